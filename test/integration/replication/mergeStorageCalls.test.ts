import { join } from 'node:path';
import { buildHrl } from '../../../shared/hrl';
import { mergeDisk, pendingLogBlob, REPLICA_CONTAINERS, replicaBlob, type DiskRef, type ReplicationDeps } from '../../../shared/replication';
import { ReplicaStateCache } from '../../../shared/replication/core/ReplicaStateCache';
import type { DeliveredLog } from '../../../shared/replication/merge/applyLog';
import { recordingBlobs } from '../../support/recordingBlobs';
import { useReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 11, 6, 6, 0);
const POLICY = { replicationInterval: 300 as const, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 };

/**
 * What a merge costs in storage calls, the unit Azure bills per request and the one that bounded
 * the merge rate at 2,000 disks (issue 17), and that the shortcuts behind it stay safe: the
 * delivered log applied without a listing, the replica's state remembered by ETag.
 */
describe('storage calls of a merge', () => {
  const suite = useReplicationHarness('merge-calls-');

  /** Uploads a log and returns it as the blob trigger delivers it (bytes, ETag, metadata, last change). */
  async function deliver(disk: DiskRef, sequence: bigint, bytes: Buffer): Promise<DeliveredLog> {
    await uploadLog(suite.h.blobs, disk, sequence, bytes);
    const blobName = pendingLogBlob(disk, sequence);
    const p = await suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(blobName).getProperties();
    return { blobName, etag: p.etag!, bytes, metadata: p.metadata ?? {}, lastModified: p.lastModified! };
  }

  /** A protected disk whose first log (64 KiB at 0) is merged by `deps`: its replica exists, with a recovery point. */
  async function seededDisk(item: string, deps: ReplicationDeps): Promise<{ disk: DiskRef; src: SourceDisk }> {
    const disk = await suite.h.protect(item, POLICY);
    const src = new SourceDisk(suite.tmp, disk, 4 * MIB);
    src.io('write -P 0x51 0 64k');
    expect(await mergeDisk(deps, disk, { delivered: await deliver(disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes) })).toMatchObject({ applied: [1n] });
    return { disk, src };
  }

  async function replicaMatches(src: SourceDisk, name: string): Promise<boolean> {
    const vhd = join(suite.tmp, `${name}.vhd`);
    await downloadReplica(suite.h.blobs, src.disk, vhd);
    return qemuSame(src.path, vhd).same;
  }

  it('the next log, delivered, costs a lease, a journal copy, its Put Page calls, one state write and one delete: no listing, no read of a replica this process left', async () => {
    const recorded = recordingBlobs(suite.h.azurite.connectionString);
    const deps = suite.h.deps({ blobs: recorded.blobs, replicaStates: new ReplicaStateCache() });
    const { disk, src } = await seededDisk('vm-calls', deps);

    // Two separate runs of 64 KiB: two Put Page calls (the last one alone, for its ETag).
    src.io('write -P 0x52 1M 64k', 'write -P 0x53 3M 64k');
    const second = await deliver(disk, 2n, src.cutLog({ cutTimeMs: T0 + 60_000 }).bytes);
    recorded.requests.length = 0;
    expect(await mergeDisk(deps, disk, { delivered: second })).toMatchObject({ applied: [2n], outcome: 'merged' });
    const calls = recorded.requests.map((r) => `${r.method} ${r.container}${r.blob ? '/*' : ''} ${r.kind}`.trim()).sort();
    expect(calls).toEqual([
      'DELETE hrl/*',
      'PUT hrl-journal/* copy',
      'PUT vhds/* lease,lease:acquire',
      'PUT vhds/* lease,lease:release',
      'PUT vhds/* metadata',
      'PUT vhds/* page',
      'PUT vhds/* page',
    ]);
    expect(await replicaMatches(src, 'calls')).toBe(true);
  });

  it('a replica another process advanced since is read again before anything is decided, and merged right', async () => {
    const recorded = recordingBlobs(suite.h.azurite.connectionString);
    const here = suite.h.deps({ blobs: recorded.blobs, replicaStates: new ReplicaStateCache() });
    const elsewhere = suite.h.deps({ replicaStates: new ReplicaStateCache() });
    const { disk, src } = await seededDisk('vm-stale', here);
    src.io('write -P 0x62 1M 64k');
    await mergeDisk(here, disk, { delivered: await deliver(disk, 2n, src.cutLog({ cutTimeMs: T0 + 60_000 }).bytes) });
    // Another instance merges log 3: what `here` remembers (log 2) is now behind.
    src.io('write -P 0x63 2M 64k');
    expect(await mergeDisk(elsewhere, disk, { delivered: await deliver(disk, 3n, src.cutLog({ cutTimeMs: T0 + 120_000 }).bytes) })).toMatchObject({ applied: [3n] });

    src.io('write -P 0x64 3M 64k');
    const fourth = await deliver(disk, 4n, src.cutLog({ cutTimeMs: T0 + 180_000 }).bytes);
    recorded.requests.length = 0;
    expect(await mergeDisk(here, disk, { delivered: fourth })).toMatchObject({ applied: [4n], lastAppliedSequence: 4n });
    // The lease's ETag gave it away; the pass let go and read the replica before deciding again.
    expect(recorded.count({ method: 'PUT', container: REPLICA_CONTAINERS.replicas, kind: 'lease,lease:acquire' })).toBe(2);
    expect(recorded.count({ method: 'HEAD', container: REPLICA_CONTAINERS.replicas })).toBeGreaterThanOrEqual(1);
    // The delivered log was still the next one: no listing for it.
    expect(recorded.requests.filter((x) => x.kind.includes('list'))).toEqual([]);
    expect(await replicaMatches(src, 'stale')).toBe(true);
  });

  it('a log replaced after its delivery is applied as it is now, not from the delivered bytes', async () => {
    const deps = suite.h.deps({ replicaStates: new ReplicaStateCache() });
    const { disk, src } = await seededDisk('vm-replaced', deps);
    // A valid log 2 the source never had (0xEE at 2 MiB), delivered; then the blob is replaced by the real log 2.
    const stale = await deliver(disk, 2n, buildHrl({
      vaultId: disk.vault, protectedItemId: disk.item, diskId: disk.disk, sequence: 2n, epoch: 1n, virtualSize: 4 * MIB,
      cutTimeMs: T0 + 60_000, consistency: 'crash', finalPlannedFailover: false, diskDigest: Buffer.alloc(32),
    }, [{ offset: 2 * MIB, payload: Buffer.alloc(64 * 1024, 0xee) }]));
    src.io('write -P 0x72 1M 64k');
    await uploadLog(suite.h.blobs, disk, 2n, src.cutLog({ cutTimeMs: T0 + 60_000 }).bytes);

    expect(await mergeDisk(deps, disk, { delivered: stale })).toMatchObject({ applied: [2n], lastAppliedSequence: 2n });
    expect(await replicaMatches(src, 'replaced')).toBe(true);
  });

  it('a delivered log whose lease had to be waited for (a backlog: an agent catching up) is merged with every log waiting behind it', async () => {
    const deps = suite.h.deps({ replicaStates: new ReplicaStateCache() });
    const { disk, src } = await seededDisk('vm-backlog', deps);
    const backlog: DeliveredLog[] = [];
    for (let i = 2; i <= 5; i++) {
      src.io(`write -P 0x9${i} ${i}00k 64k`);
      backlog.push(await deliver(disk, BigInt(i), src.cutLog({ cutTimeMs: T0 + i * 60_000 }).bytes));
    }
    // Another merge holds the lease for 300 ms when log 2's trigger arrives.
    const held = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)).getBlobLeaseClient();
    await held.acquireLease(15);
    const release = new Promise((r) => setTimeout(r, 300)).then(() => held.releaseLease());
    const r = await mergeDisk(deps, disk, { delivered: backlog[0] });
    await release;
    expect(r.applied).toEqual([2n, 3n, 4n, 5n]);
    expect(await replicaMatches(src, 'backlog')).toBe(true);
  });

  it.each([
    { leaseWaitMs: 1000, looks: true },
    { leaseWaitMs: 5000, looks: false },
  ])('a pass that held the lease 600 ms looks for logs once more after letting go when a trigger waits $leaseWaitMs ms for it: $looks', async ({ leaseWaitMs, looks }) => {
    const { disk, src } = await seededDisk(`vm-outlasted-${leaseWaitMs}`, suite.h.deps());
    src.io('write -P 0x82 1M 64k');
    const second = await deliver(disk, 2n, src.cutLog({ cutTimeMs: T0 + 60_000 }).bytes);
    src.io('write -P 0x83 2M 64k');
    const third = src.cutLog({ cutTimeMs: T0 + 120_000 }).bytes;

    // Log 3 lands while log 2's pass still holds the lease (its progress write takes 600 ms);
    // log 3's trigger waits 200 ms for the lease and gives up.
    const base = suite.h.deps({ tuning: { leaseWaitMs } });
    let triggerOf3: Promise<{ outcome: string }> | undefined;
    const slow = {
      ...base,
      health: Object.assign(Object.create(base.health) as typeof base.health, {
        recordMerged: async (...args: Parameters<typeof base.health.recordMerged>) => {
          triggerOf3 ??= deliver(disk, 3n, third).then((d) => mergeDisk(suite.h.deps(), disk, { delivered: d, leaseWaitMs: 200 }));
          await triggerOf3;
          await new Promise((r) => setTimeout(r, 400));
          return base.health.recordMerged(...args);
        },
      }),
    };
    const r = await mergeDisk(slow, disk, { delivered: second });
    expect(await triggerOf3).toMatchObject({ outcome: 'busy' });
    expect(r.applied).toEqual(looks ? [2n, 3n] : [2n]);
    // Not looked for: log 3 waits in hrl for the sweep.
    const left = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(pendingLogBlob(disk, 3n));
    expect(await left.exists()).toBe(!looks);
  });
});
