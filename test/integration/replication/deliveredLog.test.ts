import { join } from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import { mergeDisk, pendingLogBlob, REPLICA_CONTAINERS } from '../../../shared/replication';
import { useReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 6, 0);

/** The blob service, counting downloads of pending logs (what the merge reads from `hrl`). */
function countingHrlDownloads(blobs: BlobServiceClient): { blobs: BlobServiceClient; downloads: () => number } {
  let n = 0;
  const counted = Object.create(blobs) as BlobServiceClient;
  counted.getContainerClient = (name: string) => {
    const container = blobs.getContainerClient(name);
    if (name !== REPLICA_CONTAINERS.pending) return container;
    const wrapped = Object.create(container) as typeof container;
    wrapped.getBlobClient = (blobName: string) => {
      const blob = container.getBlobClient(blobName);
      const w = Object.create(blob) as typeof blob;
      w.downloadToBuffer = ((...args: Parameters<typeof blob.downloadToBuffer>) => { n++; return blob.downloadToBuffer(...args); }) as typeof blob.downloadToBuffer;
      return w;
    };
    return wrapped;
  };
  return { blobs: counted, downloads: () => n };
}

describe('a log the blob trigger delivered', () => {
  const suite = useReplicationHarness('merge-delivered-');

  it('is merged from the delivered bytes when the listing shows that version, and downloaded when it shows another', async () => {
    const disk = await suite.h.protect('vm-delivered', { replicationInterval: 300, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 });
    const src = new SourceDisk(suite.tmp, disk, 4 * MIB);
    src.io('write -P 0x51 0 128k');
    const first = src.cutLog({ cutTimeMs: T0 });
    src.io('write -P 0x52 1M 64k');
    const second = src.cutLog({ cutTimeMs: T0 + 60_000 });
    const counting = countingHrlDownloads(suite.h.blobs);
    const deps = suite.h.deps({ blobs: counting.blobs });
    const pending = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.pending);

    await uploadLog(suite.h.blobs, disk, 1n, first.bytes);
    const name1 = pendingLogBlob(disk, 1n);
    const { etag } = await pending.getBlobClient(name1).getProperties();
    expect(await mergeDisk(deps, disk, { delivered: { blobName: name1, etag: etag!, bytes: first.bytes } })).toMatchObject({ applied: [1n] });
    expect(counting.downloads()).toBe(0);

    // Bytes of another version (the trigger's ETag is not the listed one): the merge reads the blob itself.
    await uploadLog(suite.h.blobs, disk, 2n, second.bytes);
    const name2 = pendingLogBlob(disk, 2n);
    expect(await mergeDisk(deps, disk, { delivered: { blobName: name2, etag: '"0x8D000000000DEAD"', bytes: first.bytes } })).toMatchObject({ applied: [2n] });
    expect(counting.downloads()).toBe(1);

    const vhd = join(suite.tmp, 'delivered.vhd');
    await downloadReplica(suite.h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
  });
});
