import { resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { BlobServiceClient } from '@azure/storage-blob';
import { freePort } from '../../support/ports';
import { waitFor } from '../../support/waitFor';
import { tempDir } from '../../support/tempDir';

const ROOT = resolve(__dirname, '../../..');
const ASR = resolve(ROOT, 'dist/cli/asr.js');
const run = promisify(execFile);

/** The app on its embedded default: `funclocal start` launches the emulators process itself. */
describe('the app on the local system (npm start)', () => {
  const data = tempDir('srf-system-');
  let host: RunningFunclocal | undefined;
  const asr = (args: string[]) => run(process.execPath, [ASR, ...args], {
    env: { ...process.env, ASR_ENDPOINT: host!.baseUrl, ASR_DATA_DIR: data.path },
  });

  afterAll(async () => {
    await host?.stop();
    data.cleanup();
  });

  it('answers /health 200 reporting the host, blob storage and Cosmos DB', async () => {
    host = await startFunclocal({ app: ROOT, data: data.path, extraArgs: ['--emulator-ports', 'auto'], env: { ASR_DATA_DIR: data.path } });
    const res = await fetch(`${host.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = await res.json() as { status: string; components: Array<{ name: string; status: string }> };
    expect(body.status).toBe('Healthy');
    expect(body.components.map((c) => c.name).sort()).toEqual(['blobStorage', 'cosmosDb', 'host']);
  });

  it('keeps the vault metadata across a restart of the whole local system', async () => {
    await asr(['vault', 'create', 'drvault']);
    await asr(['policy', 'create', 'drvault', 'every30s', '--interval', '30', '--retention-hours', '4']);
    await host!.stop();
    host = await startFunclocal({ app: ROOT, data: data.path, extraArgs: ['--emulator-ports', 'auto'], env: { ASR_DATA_DIR: data.path } });
    const { stdout } = await asr(['policy', 'show', 'drvault', 'every30s', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'every30s', properties: { providerSpecificDetails: { replicationInterval: 30, recoveryPointHistoryDurationInHours: 4 } } });
  });
});

describe('the app with Cosmos DB down: health, and what needs no Cosmos DB', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  beforeAll(async () => {
    azurite = await startAzurite();
    const closedPort = await freePort();
    host = await startFunclocal({ app: ROOT, storage: azurite.connectionString, cosmos: `http://127.0.0.1:${closedPort}/` });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('answers 503 and names Cosmos DB as the component that is down', async () => {
    const res = await fetch(`${host.baseUrl}/health`);
    expect(res.status).toBe(503);
    const body = await res.json() as { status: string; components: Array<{ name: string; status: string; error?: string }> };
    expect(body.status).toBe('Unhealthy');
    expect(body.components.find((c) => c.name === 'cosmosDb')).toMatchObject({ status: 'Unhealthy' });
    expect(body.components.find((c) => c.name === 'blobStorage')).toMatchObject({ status: 'Healthy' });
  });

  it("serves the merge's Event Grid blob trigger on hrl from its own change detection (no Event Grid locally)", async () => {
    expect(host.logs()).toMatch(/\[mergeReplicaLog\] Blob trigger on hrl\/\{vault\}\/\{item\}\/\{disk\}\/\{name\} \(source EventGrid: no Event Grid locally, delivered from this host's change detection/);
    // A blob that is no replica log path reaches the handler, which says so and leaves it (no Cosmos DB needed).
    const hrl = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('hrl');
    await hrl.createIfNotExists();
    await hrl.getBlockBlobClient('bad vault!/vm/disk0/1.hrl').upload('x', 1);
    await waitFor(() => /ignoring hrl\/bad vault!\/vm\/disk0\/1\.hrl: not a replica log path/.test(host.logs()) || undefined, { timeoutMs: 20_000, describe: 'the trigger to deliver the blob' });
  });
});
