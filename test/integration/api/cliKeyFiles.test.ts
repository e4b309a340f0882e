import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { registerItemExportCommands } from '../../../cli/commands/itemExport';
import { registerPlanActionsCommands } from '../../../cli/commands/planActions';
import { runAsrInProcess } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';

/**
 * Every `--key-file` of the CLI reads the files the docs tell users to make: `openssl rand -hex 64`
 * (docs/agent.md), raw bytes and base64. A stand-in API records what the CLI sends.
 */
describe('asr --key-file formats', () => {
  const dir = tempDir('cli-keyfile-');
  const saved = { ...process.env };
  let server: Server;
  const posted: { url: string; body: any }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => { text += c.toString(); });
      req.on('end', () => {
        if (req.method === 'GET') {
          // The item list export-disk reads first: one item with one disk.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ value: [{ id: '/x/replicationProtectedItems/web', name: 'web', properties: { providerSpecificDetails: { disks: [{ diskId: 'd0' }] } } }] }));
          return;
        }
        posted.push({ url: req.url ?? '', body: JSON.parse(text || '{}') });
        if (req.url?.includes('exportDisk')) {
          // Enough to see the key the CLI sent; the download itself is not under test here.
          res.writeHead(409, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'Conflict', message: 'stand-in' } }));
          return;
        }
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        res.writeHead(202, { location: `${base}/vaults/cv/replicationJobs/job-1`, 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    Object.assign(process.env, { ASR_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ASR_TOKEN: 'test-token' });
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => server.close(r));
    dir.cleanup();
  });

  const file = (name: string, content: Buffer | string) => {
    const p = join(dir.path, name);
    writeFileSync(p, content);
    return p;
  };
  const TEST_VNET = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test';
  const testFailover = (keyFile: string) => runAsrInProcess([registerPlanActionsCommands], ['plan', 'test-failover', 'cv', 'app', '--key-file', keyFile, '--network', TEST_VNET]);

  it('test-failover requires a real test network (a virtual network ARM id): no default, a clear error, nothing posted', async () => {
    posted.length = 0;
    const none = await runAsrInProcess([registerPlanActionsCommands], ['plan', 'test-failover', 'cv', 'app']);
    expect(none.err).toMatch(/--network is required: give the ARM id of the isolated test virtual network/);
    const name = await runAsrInProcess([registerPlanActionsCommands], ['plan', 'test-failover', 'cv', 'app', '--network', 'test-vnet']);
    expect(name.err).toMatch(/--network 'test-vnet' is not a virtual network's ARM id/);
    const subnet = await runAsrInProcess([registerPlanActionsCommands], ['plan', 'test-failover', 'cv', 'app', '--network', `${TEST_VNET}/subnets/default`]);
    expect(subnet.err).toMatch(/give the network, not a subnet/);
    expect(posted).toEqual([]);
    const ok = await runAsrInProcess([registerPlanActionsCommands], ['plan', 'test-failover', 'cv', 'app', '--network', TEST_VNET]);
    expect(ok.err).toBe('');
    expect(posted[0].body.properties).toMatchObject({ networkType: 'VmNetworkAsInput', networkId: TEST_VNET });
  });

  it('sends the key of a file written by `openssl rand -hex 64` (and of raw and base64 files)', async () => {
    const hexFile = join(dir.path, 'openssl-hex.key');
    execFileSync('sh', ['-c', `openssl rand -hex 64 > '${hexFile}'`]);
    const files = [hexFile, file('raw.key', randomBytes(64)), file('b64.key', `${randomBytes(64).toString('base64')}\n`)];
    const wrapped = join(dir.path, 'openssl-b64.key');
    execFileSync('sh', ['-c', `openssl rand -base64 64 > '${wrapped}'`]);
    files.push(wrapped);
    for (const f of files) {
      posted.length = 0;
      const run = await testFailover(f);
      expect([f, run.err]).toEqual([f, '']);
      expect(run.out).toContain('job job-1 started');
      const sent = Buffer.from(posted[0].body.properties.providerSpecificDetails[0].primaryKekCertificatePfx, 'base64');
      expect(sent.length).toBe(64);
    }
    posted.length = 0;
    const hex = randomBytes(64);
    await testFailover(file('known-hex.key', `${hex.toString('hex')}\n`));
    expect(Buffer.from(posted[0].body.properties.providerSpecificDetails[0].primaryKekCertificatePfx, 'base64').equals(hex)).toBe(true);
  });

  it('refuses a key of the wrong length saying what it found and how to make a good one, before calling the API', async () => {
    posted.length = 0;
    const short = await testFailover(file('short-hex.key', `${randomBytes(32).toString('hex')}\n`));
    expect(short.err).toMatch(/^InvalidEncryptionKey: the key file .*short-hex\.key holds 64 hex digits \(32 bytes\); it must hold a 64-byte AES-256-XTS key.*openssl rand -hex 64/);
    const exportDisk = (keyFile: string) => runAsrInProcess([registerItemExportCommands],
      ['item', 'export-disk', 'cv', 'web', '--disk', '0', '--from', 'test-failover', '--out', join(dir.path, 'x.vhd'), '--key-file', keyFile]);
    const garbage = await exportDisk(file('bad.key', 'not a key at all!'));
    expect(garbage.err).toMatch(/^InvalidEncryptionKey: the key file .*bad\.key holds 17 bytes that are neither hex nor base64; it must hold/);
    expect(posted).toEqual([]);
    // export-disk reads the same formats (a hex key is accepted, so the export is asked for), and the
    // key never leaves this machine: the CLI decrypts while downloading (docs/security.md).
    const hex = randomBytes(64);
    expect((await exportDisk(file('export-hex.key', hex.toString('hex')))).err).toBe('Conflict: stand-in');
    expect(posted).toHaveLength(1);
    expect(posted[0].body.properties.primaryKekCertificatePfx).toBeUndefined();
    expect(JSON.stringify(posted[0].body)).not.toContain(hex.toString('base64'));
  });
});
