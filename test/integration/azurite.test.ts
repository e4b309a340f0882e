import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, TestAzurite } from '../support/azurite';

describe('test Azurite', () => {
  let azurite: TestAzurite;
  beforeAll(async () => { azurite = await startAzurite(); });
  afterAll(async () => { await azurite.stop(); });

  it('stores and returns a blob over real HTTP', async () => {
    const svc = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = svc.getContainerClient('smoke');
    await container.createIfNotExists();
    await container.getBlockBlobClient('a.txt').upload('hello', 5);
    const body = await container.getBlobClient('a.txt').downloadToBuffer();
    expect(body.toString()).toBe('hello');
  });
});
