import { BlobServiceClient } from '@azure/storage-blob';
import { DiskLease } from '../../../shared/replication';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { assertStaysTrue, waitFor } from '../../support/waitFor';

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
      // The claim is about time itself: past the 15 s duration, only the renewals keep the lease.
      // Nothing happens to wait for, so watch it for 20 s: held by us, on the server, throughout.
      await assertStaysTrue(async () => {
        lease.assertHeld();
        const p = await blob.getProperties();
        return p.leaseState === 'leased' && p.leaseStatus === 'locked';
      }, { forMs: 20_000, intervalMs: 1_000, describe: 'the lease to stay held on the blob past its 15 s duration' });
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
      // The next renewal (every 5 s) fails and marks the lease lost.
      await waitFor(() => { try { lease.assertHeld(); return false; } catch { return true; } }, { timeoutMs: 15_000, describe: 'the next renewal to fail and mark the lease lost' });
      expect(() => lease.assertHeld()).toThrow(expect.objectContaining({ code: 'ReplicaLeaseLost' }));
      await expect(blob.uploadPages(Buffer.alloc(512), 0, 512, { conditions: { leaseId: lease.leaseId } })).rejects.toMatchObject({ statusCode: 412 });
    } finally {
      await lease.release();
    }
  }, 30_000);
});
