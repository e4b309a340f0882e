import { resolve } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { waitFor } from './triggerRecords';

const APP = resolve(__dirname, '../../fixtures/apps/bindings-app');
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A blob's text, or undefined while it does not exist. */
async function blobText(blobs: BlobServiceClient, container: string, name: string): Promise<string | undefined> {
  try {
    return (await blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString('utf8');
  } catch {
    return undefined;
  }
}

describe('funclocal storage bindings (fixture app over real Azurite)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  let blobs: BlobServiceClient;
  let queues: QueueServiceClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { FUNCLOCAL_BLOB_POLL_MS: '200' } });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('starts the app with the unsupported functions in error, each named with its binding type', () => {
    expect(host.logs()).toMatch(/Host started: 9 function\(s\) \(3 in error\)/);
    expect(host.logs()).toMatch(/Function "placeOrder" is in error and will not run: its Service Bus output binding uses connection "ServiceBusConnection", but no app setting "ServiceBusConnection"/);
    expect(host.logs()).toMatch(/Function "onTelemetry" is in error and will not run: its trigger type eventHubTrigger is not supported by funclocal/);
    expect(host.logs()).toMatch(/Function "misconnected" is in error and will not run: binding "\w+": Connection "MissingConnection" is not defined/);
  });

  it('answers the route of a function in error with 500 and the reason', async () => {
    const res = await fetch(`${host.baseUrl}/api/orders`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(500);
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('FunctionInError');
    expect(body.error.message).toMatch(/placeOrder.*Service Bus output binding uses connection "ServiceBusConnection"/);
  });

  it('HTTP -> blob and queue outputs; the queue-triggered function writes a table entity (return:) and a {queueTrigger} blob', async () => {
    const res = await fetch(`${host.baseUrl}/api/backup/db01`, { method: 'POST', body: 'disk image of db01' });
    expect(res.status).toBe(201);
    // The HTTP answer comes after the outputs are written, as in Azure.
    expect(await blobText(blobs, 'backups', 'db01.txt')).toBe('disk image of db01');

    const processed = await waitFor('processed/backup-db01.json', () => blobText(blobs, 'processed', 'backup-db01.json'));
    expect(JSON.parse(processed)).toEqual({ job: 'backup-db01', dequeueCount: 1 });
    const table = TableClient.fromConnectionString(azurite.connectionString, 'jobs', { allowInsecureConnection: true });
    const entity = await waitFor('the jobs entity', () => table.getEntity('jobs', 'backup-db01').catch(() => undefined));
    expect(entity).toMatchObject({ partitionKey: 'jobs', rowKey: 'backup-db01', state: 'done' });
  });

  it('fails the invocation when an output cannot be written (table insert of an existing entity): retried, then poison', async () => {
    await waitFor('the first jobs entity', async () => (await fetch(`${host.baseUrl}/api/jobs/backup-db01`)).status === 200);
    await queues.getQueueClient('jobs').sendMessage(b64('backup-db01'));
    const poisoned = await waitFor('jobs-poison', async () => {
      const r = await queues.getQueueClient('jobs-poison').peekMessages().catch(() => undefined);
      return r && r.peekedMessageItems.length > 0 ? r.peekedMessageItems : undefined;
    });
    expect(Buffer.from(poisoned[0].messageText, 'base64').toString()).toBe('backup-db01');
    expect(host.logs()).toMatch(/onJob.*Writing output bindings failed/);
  });

  it('reads input bindings: a blob by route parameter and a table entity (null when missing)', async () => {
    await waitFor('the jobs entity', async () => (await fetch(`${host.baseUrl}/api/jobs/backup-db01`)).status === 200);
    const job = await (await fetch(`${host.baseUrl}/api/jobs/backup-db01`)).json() as Record<string, unknown>;
    expect(job).toMatchObject({ PartitionKey: 'jobs', RowKey: 'backup-db01', state: 'done' });
    expect((await fetch(`${host.baseUrl}/api/jobs/nope`)).status).toBe(404);

    const got = await fetch(`${host.baseUrl}/api/backup/db01`);
    expect(await got.text()).toBe('disk image of db01');
    expect((await fetch(`${host.baseUrl}/api/backup/missing`)).status).toBe(404);
  });

  it('runs the docs queue sample: extraInputs blob {queueTrigger} copied to an extraOutputs blob', async () => {
    const c = blobs.getContainerClient('samples-workitems');
    await c.createIfNotExists();
    await c.getBlockBlobClient('report.csv').upload('a,b\n1,2\n', 8);
    await queues.getQueueClient('copy-requests').createIfNotExists();
    await queues.getQueueClient('copy-requests').sendMessage(b64('report.csv'));
    expect(await waitFor('the copy', () => blobText(blobs, 'samples-workitems', 'report.csv-copy'))).toBe('a,b\n1,2\n');
  });

  it('blob trigger {name} and {DateTime} in a return: blob path; an array output is one queue message per element', async () => {
    const c = blobs.getContainerClient('uploads');
    await c.createIfNotExists();
    await c.getBlockBlobClient('vm.vhd').upload('VHDBYTES', 8);
    const archive = blobs.getContainerClient('archive');
    const name = await waitFor('the archived blob', async () => {
      for await (const b of archive.listBlobsFlat().byPage()) { const hit = b.segment.blobItems.find((i) => i.name.endsWith('/vm.vhd')); if (hit) return hit.name; }
      return undefined;
    });
    expect(name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\/vm\.vhd$/);
    expect(await blobText(blobs, 'archive', name)).toBe('VHDBYTES');
    const peeked = await waitFor('two archived messages', async () => {
      const r = await queues.getQueueClient('archived').peekMessages({ numberOfMessages: 32 }).catch(() => undefined);
      return r && r.peekedMessageItems.length >= 2 ? r.peekedMessageItems : undefined;
    });
    expect(peeked.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString()))).toEqual([
      { name: 'vm.vhd', bytes: 8 }, { name: 'vm.vhd', step: 'archived' },
    ]);
  });
});
