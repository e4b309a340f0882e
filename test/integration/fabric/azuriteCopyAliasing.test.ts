import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, TestAzurite } from '../../support/azurite';

/**
 * Canary for the Azurite defect `ClientCopyPageBlobClient` works around: a server-side copy of a
 * page blob shares its page ranges with the source, so writing the copy changes the source's
 * snapshot. When this test fails, Azurite has fixed it and the local fabric may copy server-side.
 */
describe('Azurite 3.35 page blob copy (why the local fabric copies through the client)', () => {
  let az: TestAzurite;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => az?.stop());

  it('a Put Page on a server-side copy of a snapshot shows up in the snapshot', async () => {
    const c = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('aliasing');
    await c.create();
    const source = c.getPageBlobClient('source.vhd');
    await source.create(8192);
    await source.uploadPages(Buffer.alloc(512, 1), 0, 512);
    const snapshot = source.withSnapshot((await source.createSnapshot()).snapshot!);
    const copy = c.getPageBlobClient('copy.vhd');
    await (await copy.beginCopyFromURL(snapshot.url)).pollUntilDone();
    await copy.uploadPages(Buffer.alloc(512, 9), 4096, 512);
    expect((await snapshot.downloadToBuffer())[4096]).toBe(9); // real Azure Storage: 0
  });
});
