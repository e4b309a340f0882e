import { BlobServiceClient } from '@azure/storage-blob';
import { DiskLease } from '../../../shared/replication';
import { startAzurite, TestAzurite } from '../../support/azurite';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DiskLease: the replica lease of a long merge', () => {
  let azurite: TestAzurite;
  let blobs: BlobServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await blobs.getContainerClient('vhds').create();
  });
  afterAll(() => azurite.stop());

  it('is renewed past its duration, refuses a second holder, and frees the blob on release', async () => {
    const blob = blobs.getContainerClient('vhds').getPageBlobClient('v/i/d.vhd');
    await blob.create(1024 * 1024);
    const lease = await DiskLease.acquire(blob, 15, 0);
    try {
      await sleep(20_000); // longer than the 15 s lease: only the renewals keep it
      lease.assertHeld();
      await blob.uploadPages(Buffer.alloc(512, 1), 0, 512, { conditions: { leaseId: lease.leaseId } });
      await expect(DiskLease.acquire(blob, 15, 300)).rejects.toMatchObject({ code: 'ReplicaBusy', retryable: true });
    } finally {
      await lease.release();
    }
    const next = await DiskLease.acquire(blob, 15, 0);
    await next.release();
  }, 40_000);

  it('reports a lost lease before the next write', async () => {
    const blob = blobs.getContainerClient('vhds').getPageBlobClient('v/i/lost.vhd');
    await blob.create(1024 * 1024);
    const lease = await DiskLease.acquire(blob, 15, 0);
    try {
      // Someone breaks the lease (an operator, or Azure after a long partition); the next renewal fails.
      await blob.getBlobLeaseClient().breakLease(0);
      await blob.getBlobLeaseClient().acquireLease(15);
      await sleep(5_500);
      expect(() => lease.assertHeld()).toThrow(expect.objectContaining({ code: 'ReplicaLeaseLost' }));
      await expect(blob.uploadPages(Buffer.alloc(512), 0, 512, { conditions: { leaseId: lease.leaseId } })).rejects.toMatchObject({ statusCode: 412 });
    } finally {
      await lease.release();
    }
  }, 30_000);
});
