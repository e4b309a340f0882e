import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { CosmosClient } from '@azure/cosmos';
import { startTestEmulators, TestEmulators } from '../../support/emulators';
import { tempDir } from '../../support/tempDir';

jest.setTimeout(120000);

const MAIN = join(__dirname, '..', '..', '..', 'dist', 'devhost', 'emulators', 'main.js');

/** Runs main.js to completion (for start-up failures) and returns its exit code and output. */
function runMain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Port 0 for every service: each binds a free port itself (no pick-then-bind race with parallel suites). */
function freePortArgs(): string[] {
  return ['--blob-port', '0', '--queue-port', '0', '--table-port', '0', '--cosmos-port', '0', '--service-bus-port', '0'];
}

function cosmosClient(emu: TestEmulators): CosmosClient {
  return new CosmosClient({ endpoint: emu.settings.cosmosEndpoint, key: emu.settings.cosmosKey });
}

describe('emulators process', () => {
  const dirs: { cleanup(): void }[] = [];
  const running: TestEmulators[] = [];
  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
    dirs.forEach((d) => d.cleanup());
  });

  it('keeps blobs, queue messages and table entities across a clean stop and restart', async () => {
    const dir = tempDir('emu-azurite-');
    dirs.push(dir);
    const first = await startTestEmulators({ dataDir: dir.path });
    running.push(first);
    const payload = Buffer.from('replica log bytes '.repeat(1000));
    const blobs = BlobServiceClient.fromConnectionString(first.settings.storageConnectionString);
    await blobs.getContainerClient('hrl').createIfNotExists();
    await blobs.getContainerClient('hrl').getBlockBlobClient('v1/item/disk/1.hrl').uploadData(payload);
    const queue = QueueServiceClient.fromConnectionString(first.settings.storageConnectionString).getQueueClient('work');
    await queue.createIfNotExists();
    await queue.sendMessage('merge disk 1');
    const table = TableClient.fromConnectionString(first.settings.storageConnectionString, 'instances',
      { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'hub', rowKey: 'i1', status: 'Running' });
    await first.stop();
    expect(await first.exited).toBe(0);

    const second = await startTestEmulators({ dataDir: dir.path });
    running.push(second);
    const blobs2 = BlobServiceClient.fromConnectionString(second.settings.storageConnectionString);
    const back = await blobs2.getContainerClient('hrl').getBlockBlobClient('v1/item/disk/1.hrl').downloadToBuffer();
    expect(back.equals(payload)).toBe(true);
    const queue2 = QueueServiceClient.fromConnectionString(second.settings.storageConnectionString)
      .getQueueClient('work');
    const peeked = await queue2.peekMessages();
    expect(peeked.peekedMessageItems.map((m) => m.messageText)).toEqual(['merge disk 1']);
    const table2 = TableClient.fromConnectionString(second.settings.storageConnectionString, 'instances',
      { allowInsecureConnection: true });
    expect((await table2.getEntity('hub', 'i1')).status).toBe('Running');
    await second.stop();
  });

  it('runs in memory without a data directory, and forgets everything when stopped', async () => {
    const first = await startTestEmulators();
    running.push(first);
    const cosmos = cosmosClient(first);
    const { database } = await cosmos.databases.createIfNotExists({ id: 'mem' });
    const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/id'] } });
    await container.items.create({ id: 'x', n: 1 });
    expect((await container.item('x', 'x').read()).resource).toMatchObject({ id: 'x', n: 1 });
    const blobs = BlobServiceClient.fromConnectionString(first.settings.storageConnectionString);
    await blobs.getContainerClient('memory').create();
    cosmos.dispose();
    await first.stop();

    const second = await startTestEmulators();
    running.push(second);
    const cosmos2 = cosmosClient(second);
    const { resources } = await cosmos2.databases.readAll().fetchAll();
    expect(resources.map((d) => d.id)).toEqual([]);
    const blobs2 = BlobServiceClient.fromConnectionString(second.settings.storageConnectionString);
    expect(await blobs2.getContainerClient('memory').exists()).toBe(false);
    cosmos2.dispose();
    await second.stop();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('prints exactly one ready line on stdout and exits 0 on %s', async (signal) => {
    const child = spawn(process.execPath, [MAIN, ...freePortArgs()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve();
    }));
    child.kill(signal);
    expect(await exited).toBe(0);
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const ready = JSON.parse(lines[0]);
    expect(ready.ready).toBe(true);
    expect(Object.keys(ready.settings).sort()).toEqual(['blobEndpoint', 'cosmosEndpoint', 'cosmosKey', 'queueEndpoint',
      'serviceBusConnectionString', 'storageConnectionString', 'tableEndpoint']);
    // The Service Bus stand-in, in the development connection-string form the real client reads.
    expect(ready.settings.serviceBusConnectionString).toMatch(/^Endpoint=sb:\/\/127\.0\.0\.1:\d+;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;$/);
    expect(stderr).toContain(`${signal} received, stopping`);
  });

  it.each(['--cosmos-port', '--blob-port'])('exits 1 with a one-line error when %s is taken', async (flag) => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const args = freePortArgs();
      args[args.indexOf(flag) + 1] = String(taken);
      const { code, stdout, stderr } = await runMain(args);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const errors = stderr.split('\n').filter((l) => /error/i.test(l));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`127.0.0.1:${taken} is already in use`);
    } finally {
      holder.close();
    }
  });

  it('exits 1 with a one-line error when the data directory is unusable', async () => {
    const dir = tempDir('emu-bad-');
    dirs.push(dir);
    const file = join(dir.path, 'not-a-dir');
    writeFileSync(file, 'x');
    const { code, stdout, stderr } = await runMain(['--data', file, ...freePortArgs()]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(`data directory ${file} is unusable`)]);
  });

  it('refuses a data directory that another running emulators process holds', async () => {
    const dir = tempDir('emu-lock-');
    dirs.push(dir);
    const holder = await startTestEmulators({ dataDir: dir.path });
    running.push(holder);
    const { code, stderr } = await runMain(['--data', dir.path, ...freePortArgs()]);
    expect(code).toBe(1);
    expect(stderr).toContain(`in use by emulators process ${holder.pid}`);
    await holder.stop();
  });
});
