import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { spawnEmulatorsProcess, type EmulatorsProcess } from '../../../devhost/emulators/spawnEmulatorsProcess';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { startTestEmulators } from '../../support/emulators';
import { tempDir } from '../../support/tempDir';
import { assertStaysTrue } from '../../support/waitFor';
import { readRecords, waitFor } from './triggerRecords';

const APP = resolve(__dirname, '../../fixtures/apps/blob-app');
const POLL_MS = 200;

/**
 * The Event Grid-source blob trigger over funclocal's own emulators, which keep the account's
 * BlobCreated events: delivered from those events (no listing of the container), each version once.
 */
describe('funclocal blob trigger with source EventGrid over the emulators\' BlobCreated events', () => {
  let emulators: EmulatorsProcess;
  let host: RunningFunclocal | undefined;
  let dir: { path: string; cleanup(): void };
  let records: string;
  let blobs: BlobServiceClient;
  const start = () => startFunclocal({ app: APP, storage: emulators.settings.storageConnectionString, env: { FIXTURE_RECORD_FILE: records, FUNCLOCAL_BLOB_POLL_MS: String(POLL_MS) } });
  const upload = async (name: string, text: string, container = 'grid') => {
    const c = blobs.getContainerClient(container);
    await c.createIfNotExists();
    await c.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
  };
  const fires = (name: string) => readRecords(records, 'onGridBlob').filter((r) => r.name === name);
  /** Five polls in which a second run of anything would show. */
  const staysAt = (want: Record<string, number>) => {
    const counts = () => Object.fromEntries(Object.keys(want).map((n) => [n, fires(n).length]));
    return assertStaysTrue(() => JSON.stringify(counts()) === JSON.stringify(want), { forMs: POLL_MS * 5, intervalMs: 50, describe: () => `fire counts to stay ${JSON.stringify(want)} (now ${JSON.stringify(counts())})` });
  };

  /** Until the host saved its place past everything that fired so far (a kill -9 before that runs those again: at least once). */
  const savedPlace = async () => {
    const since = Date.now();
    const hosts = blobs.getContainerClient('azure-webjobs-hosts');
    await waitFor('the host to save its place in the events', async () => {
      for await (const b of hosts.listBlobsFlat({ prefix: 'blobevents/' })) {
        if (!b.name.endsWith('/onGridBlob')) continue;
        const cursor = JSON.parse((await hosts.getBlobClient(b.name).downloadToBuffer()).toString('utf8')) as { handledBefore?: number };
        return (cursor.handledBefore ?? 0) > since;
      }
      return false;
    });
  };

  beforeAll(async () => {
    dir = tempDir('blobevents-');
    records = join(dir.path, 'records.jsonl');
    emulators = await startTestEmulators({ dataDir: join(dir.path, 'data') });
    blobs = BlobServiceClient.fromConnectionString(emulators.settings.storageConnectionString);
    await upload('before-start.txt', 'was there first');
    host = await start();
  });
  afterAll(async () => {
    await host?.stop();
    await emulators?.stop();
    dir?.cleanup();
  });

  it('says it reads the events, fires for a blob that was there before the first start, then for each created version once', async () => {
    expect(host!.logs()).toMatch(/\[onGridBlob\] Blob trigger on grid\/\{name\} \(source EventGrid: no Event Grid locally, delivered from the emulators' BlobCreated events/);
    await waitFor('before-start.txt to fire', () => fires('before-start.txt').length === 1);
    await upload('g1.txt', 'first');
    await waitFor('g1.txt to fire', () => fires('g1.txt').length === 1);
    await upload('g1.txt', 'second');
    await waitFor('g1.txt (overwritten) to fire again', () => fires('g1.txt').length === 2);
    await blobs.getContainerClient('grid').deleteBlob('g1.txt');
    await upload('g1.txt', 'third');
    await waitFor('g1.txt (deleted, written again) to fire again', () => fires('g1.txt').length === 3);
    expect(fires('g1.txt').map((r) => r.text)).toEqual(['first', 'second', 'third']);
    expect(new Set(fires('g1.txt').map((r) => r.etag)).size).toBe(3);
    await staysAt({ 'before-start.txt': 1, 'g1.txt': 3 });
  });

  it('resumes after a clean stop and after a SIGKILL: what was written meanwhile fires, nothing fires twice', async () => {
    await host!.stop();
    await upload('while-stopped.txt', 'x');
    host = await start();
    await waitFor('while-stopped.txt to fire', () => fires('while-stopped.txt').length === 1);
    await savedPlace();
    await host.kill('SIGKILL');
    await upload('while-killed.txt', 'y');
    host = await start();
    await waitFor('while-killed.txt to fire', () => fires('while-killed.txt').length === 1);
    await staysAt({ 'before-start.txt': 1, 'g1.txt': 3, 'while-stopped.txt': 1, 'while-killed.txt': 1 });
  });

  it('after a restart of the emulators (events lost), scans once: a blob written before fires, handled ones do not', async () => {
    await host!.stop();
    host = undefined;
    await upload('before-restart.txt', 'z');
    await emulators.stop();
    const s = emulators.settings;
    const port = (url: string) => Number(new URL(url).port);
    emulators = await spawnEmulatorsProcess({ data: join(dir.path, 'data'), blobPort: port(s.blobEndpoint), queuePort: port(s.queueEndpoint),
      tablePort: port(s.tableEndpoint), cosmosPort: port(s.cosmosEndpoint), serviceBusPort: 0 });
    host = await start();
    await waitFor('before-restart.txt to fire', () => fires('before-restart.txt').length === 1);
    await upload('after-restart.txt', 'w');
    await waitFor('after-restart.txt to fire', () => fires('after-restart.txt').length === 1);
    await staysAt({ 'before-start.txt': 1, 'g1.txt': 3, 'while-stopped.txt': 1, 'while-killed.txt': 1, 'before-restart.txt': 1, 'after-restart.txt': 1 });
  });

  it('runs each event once when two hosts share the storage (one reads the events, the other waits for its lock)', async () => {
    const second = await start();
    try {
      const names = Array.from({ length: 12 }, (_, i) => `race-${i}.txt`);
      await Promise.all(names.map((n) => upload(n, n)));
      await waitFor('all race blobs to fire', () => names.every((n) => fires(n).length >= 1));
      await staysAt(Object.fromEntries(names.map((n) => [n, 1])));
    } finally {
      await second.stop();
    }
  });

  it('tries a failing blob 5 times, then posts it to webjobs-blobtrigger-poison', async () => {
    await upload('bad.bin', 'nope', 'grid-broken');
    const tries = await waitFor('5 tries', () => readRecords(records, 'gridFails').length >= 5 && readRecords(records, 'gridFails'));
    expect(tries.map((t) => t.retryCount)).toEqual([0, 1, 2, 3, 4]);
    const poison = QueueServiceClient.fromConnectionString(emulators.settings.storageConnectionString).getQueueClient('webjobs-blobtrigger-poison');
    const peeked = await waitFor('the poison message', async () => {
      const res = await poison.peekMessages({ numberOfMessages: 5 }).catch(() => undefined);
      return res && res.peekedMessageItems.length > 0 ? res.peekedMessageItems : undefined;
    });
    expect(JSON.parse(Buffer.from(peeked[0].messageText, 'base64').toString('utf8'))).toMatchObject({ FunctionId: 'gridFails', ContainerName: 'grid-broken', BlobName: 'bad.bin' });
    await assertStaysTrue(() => readRecords(records, 'gridFails').length === 5, { forMs: POLL_MS * 5, intervalMs: 50, describe: 'the failing blob to stay at 5 tries' });
  });
});
