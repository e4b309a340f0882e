import { join, resolve } from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { assertStaysTrue } from '../../support/waitFor';
import { readRecords, waitFor } from './triggerRecords';

const APP = resolve(__dirname, '../../fixtures/apps/blob-app');
const POLL_MS = 200;

describe('funclocal blob trigger (fixture app over real Azurite)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal | undefined;
  let dir: { path: string; cleanup(): void };
  let records: string;
  let blobs: BlobServiceClient;
  const start = () => startFunclocal({ app: APP, storage: azurite.connectionString, env: { FIXTURE_RECORD_FILE: records, FUNCLOCAL_BLOB_POLL_MS: String(POLL_MS) } });
  const upload = async (container: string, name: string, text: string, metadata?: Record<string, string>) => {
    const c: ContainerClient = blobs.getContainerClient(container);
    await c.createIfNotExists();
    await c.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { metadata });
  };
  const firesOf = (name: string) => readRecords(records, 'onSample').filter((r) => r.name === name);

  beforeAll(async () => {
    dir = tempDir('blobtrigger-');
    records = join(dir.path, 'records.jsonl');
    azurite = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    host = await start();
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    dir?.cleanup();
  });

  it('fires once per blob version: new fires, unchanged does not, overwritten fires again', async () => {
    await upload('samples', 'a.txt', 'one', { origin: 'test' });
    const [first] = await waitFor('a.txt to fire', () => firesOf('a.txt').length === 1 && firesOf('a.txt'));
    expect(first).toMatchObject({ blobTrigger: 'samples/a.txt', text: 'one', length: 3, metadata: { origin: 'test' } });
    expect(String(first.uri)).toMatch(/\/samples\/a\.txt$/);
    // Unchanged does not fire again: watch five blob polls, in which a re-fire would show.
    await assertStaysTrue(() => firesOf('a.txt').length === 1, { forMs: POLL_MS * 5, intervalMs: 50, describe: 'a.txt (unchanged) to stay fired once' });
    await upload('samples', 'a.txt', 'two');
    await waitFor('a.txt to fire again', () => firesOf('a.txt').length === 2);
    expect(firesOf('a.txt')[1]).toMatchObject({ text: 'two' });
    expect(firesOf('a.txt')[1].etag).not.toEqual(first.etag);
  });

  it('hands every placeholder to the handler, %Setting% in the path, names spanning "/"', async () => {
    await upload('hrl', 'vault1/item-7/disk-0/000001.hrl', 'log bytes');
    await upload('samples', 'dir/sub/b.txt', 'nested');
    const hrl = await waitFor('the replica log to fire', () => readRecords(records, 'onReplicaLog')[0]);
    expect(hrl).toMatchObject({ vault: 'vault1', item: 'item-7', disk: 'disk-0', name: '000001.hrl', blobTrigger: 'hrl/vault1/item-7/disk-0/000001.hrl', bytes: 9 });
    const nested = await waitFor('the nested blob to fire', () => firesOf('dir/sub/b.txt')[0]);
    expect(nested).toMatchObject({ blobTrigger: 'samples/dir/sub/b.txt', text: 'nested' });
  });

  it("serves a registration with source 'EventGrid' (no Event Grid locally: its own change detection delivers), once per version, forgetting deleted blobs", async () => {
    expect(host!.logs()).toMatch(/\[onGridBlob\] Blob trigger on grid\/\{name\} \(source EventGrid: no Event Grid locally, delivered from this host's change detection/);
    const grid = (name: string) => readRecords(records, 'onGridBlob').filter((r) => r.name === name);
    await upload('grid', 'g1.txt', 'first');
    await waitFor('g1.txt to fire', () => grid('g1.txt').length === 1);
    await blobs.getContainerClient('grid').deleteBlob('g1.txt');
    // Deleted, then written again under the same name: a new blob, so it fires again.
    await new Promise((r) => setTimeout(r, POLL_MS * 3));
    await upload('grid', 'g1.txt', 'second');
    await waitFor('g1.txt to fire again', () => grid('g1.txt').length === 2);
    expect(grid('g1.txt').map((r) => r.text)).toEqual(['first', 'second']);
    await assertStaysTrue(() => grid('g1.txt').length === 2, { forMs: POLL_MS * 5, intervalMs: 50, describe: 'g1.txt to stay fired twice' });
  });

  /** Ends the host as `end` says, writes `written` while it is down, restarts: only `written` fires. */
  const restartAround = async (end: (h: RunningFunclocal) => Promise<void>, written: string, expected: Record<string, number>) => {
    await end(host!);
    host = undefined;
    await upload('samples', written, 'written while down');
    host = await start();
    await waitFor(`${written} to fire`, () => firesOf(written).length === 1);
    // No re-fire after the restart: watch five blob polls.
    const want = { ...expected, [written]: 1 };
    const counts = () => Object.fromEntries(Object.keys(want).map((name) => [name, firesOf(name).length]));
    await assertStaysTrue(() => JSON.stringify(counts()) === JSON.stringify(want), { forMs: POLL_MS * 5, intervalMs: 50, describe: () => `fire counts to stay ${JSON.stringify(want)} (now ${JSON.stringify(counts())})` });
  };

  it('does not re-fire after a clean restart, and fires for a blob written while the host was down', async () => {
    await restartAround((h) => h.stop(), 'while-down.txt', { 'a.txt': 2, 'dir/sub/b.txt': 1 });
  });

  it('does not re-fire completed blobs after a SIGKILL of the host', async () => {
    await restartAround((h) => h.kill('SIGKILL'), 'after-kill.txt', { 'a.txt': 2, 'dir/sub/b.txt': 1, 'while-down.txt': 1 });
  });

  it('tries a failing blob 5 times, then posts it to webjobs-blobtrigger-poison and stops', async () => {
    await upload('broken', 'bad.bin', 'nope');
    const tries = await waitFor('5 tries', () => readRecords(records, 'alwaysFails').length >= 5 && readRecords(records, 'alwaysFails'));
    expect(tries.map((t) => t.retryCount)).toEqual([0, 1, 2, 3, 4]);
    const poison = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('webjobs-blobtrigger-poison');
    const peeked = await waitFor('the poison message', async () => {
      const res = await poison.peekMessages({ numberOfMessages: 5 }).catch(() => undefined);
      return res && res.peekedMessageItems.length > 0 ? res.peekedMessageItems : undefined;
    });
    expect(peeked).toHaveLength(1);
    const props = await blobs.getContainerClient('broken').getBlobClient('bad.bin').getProperties();
    expect(JSON.parse(Buffer.from(peeked[0].messageText, 'base64').toString('utf8'))).toEqual({
      Type: 'blob', FunctionId: 'alwaysFails', BlobType: 'BlockBlob', ContainerName: 'broken', BlobName: 'bad.bin', ETag: props.etag,
    });
    // Stops after the poison message: watch five blob polls for a 6th try.
    await assertStaysTrue(() => readRecords(records, 'alwaysFails').length === 5, { forMs: POLL_MS * 5, intervalMs: 50, describe: 'the failing blob to stay at 5 tries' });
    expect(host!.logs()).toMatch(/\[alwaysFails\] Blob broken\/bad\.bin failed 5 times/);
  });

  it('runs each blob version once when two hosts of the same app share the storage (receipt leases)', async () => {
    const second = await start();
    try {
      const names = Array.from({ length: 12 }, (_, i) => `race-${i}.txt`);
      await Promise.all(names.map((n) => upload('samples', n, n)));
      await waitFor('all race blobs to fire', () => names.every((n) => firesOf(n).length >= 1));
      // Once each across both hosts: watch five blob polls, in which a second run would show.
      await assertStaysTrue(() => names.every((n) => firesOf(n).length === 1), { forMs: POLL_MS * 5, intervalMs: 50, describe: () => `each race blob to stay fired once (${names.map((n) => firesOf(n).length).join(',')})` });
    } finally {
      await second.stop();
    }
  });
});
