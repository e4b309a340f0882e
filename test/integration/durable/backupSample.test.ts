import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { durableApi } from './durableTestClient';

const APP = resolve(__dirname, '../../fixtures/apps/backup-app');

describe("Microsoft's backupSiteContent Durable sample in funclocal (blob output binding on an activity)", () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  let dir: { path: string; cleanup(): void };

  beforeAll(async () => {
    dir = tempDir('backup-sample-');
    azurite = await startAzurite();
    // The sample's binding names its own connection setting, not AzureWebJobsStorage.
    host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { StorageConnString: azurite.connectionString } });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    dir?.cleanup();
  });

  it('backs up every file of a folder to backups/{backupPath} and returns the total bytes', async () => {
    const site = join(dir.path, 'site');
    mkdirSync(join(site, 'css'), { recursive: true });
    const files: Record<string, Buffer> = {
      'index.html': Buffer.from('<h1>hello</h1>'),
      'css/site.css': Buffer.from('body { color: red }'),
      'logo.bin': Buffer.from([0, 1, 2, 255, 254]),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(site, name), bytes);

    const res = await fetch(`${host.baseUrl}/api/orchestrators/backupSiteContent`, { method: 'POST', body: site });
    expect(res.status).toBe(202);
    const { id } = await res.json() as { id: string };
    const done = await durableApi(host.baseUrl).waitFor(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe(Object.values(files).reduce((n, b) => n + b.length, 0));

    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('backups');
    for (const [name, bytes] of Object.entries(files)) {
      expect(await container.getBlobClient(name).downloadToBuffer()).toEqual(bytes);
    }
  });
});
