import { join } from 'node:path';
import { buildHrl } from '../../../shared/hrl';
import { beginResync, DiskRef, materializeToPoint, mergeDisk, REPLICA_CONTAINERS, ReplicationPolicy, replicaBlob } from '../../../shared/replication';
import { forgeHrl } from '../../unit/hrl/forgeHrl';
import { choosePointSelectors } from '../../../shared/replication/journal/choosePointSelectors';
import { useReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog, writeImage } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 1, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 300, recoveryPointHistoryDurationInHours: 2, applicationConsistentSnapshotFrequencyInHours: 0 };

type BadLog = (d: DiskRef, good: Buffer) => Buffer;

/** Every kind of bad second log, and the reason code the quarantine must carry. */
const CASES: [string, string, BadLog][] = [
  ['bit flip in a payload', 'CorruptFormat', (_d, good) => { const b = Buffer.from(good); b[b.length - 300] ^= 0x10; return b; }],
  ['truncation', 'CorruptFormat', (_d, good) => good.subarray(0, good.length - 1000)],
  ['bytes after the trailer', 'CorruptFormat', (_d, good) => Buffer.concat([good, Buffer.alloc(512)])],
  ['wrong disk', 'HrlIdentityMismatch', (d) => header(d, { ids: [d.vault, d.item, 'disk9'] }, [{ offset: 0, payload: Buffer.alloc(4096, 1) }])],
  ['wrong epoch', 'HrlIdentityMismatch', (d) => header(d, { epoch: 2n }, [{ offset: 0, payload: Buffer.alloc(4096, 1) }])],
  ['sequence out of turn inside the log', 'HrlIdentityMismatch', (d) => header(d, { sequence: 3n }, [{ offset: 0, payload: Buffer.alloc(4096, 1) }])],
  ['wrong disk size', 'HrlIdentityMismatch', (d) => header(d, { virtualSize: BigInt(16 * MIB) }, [{ offset: 0, payload: Buffer.alloc(4096, 1) }])],
  ['record out of bounds', 'CorruptFormat', (d) => header(d, {}, [{ offset: 8 * MIB, payload: Buffer.alloc(4096, 2) }])],
  ['misaligned record', 'CorruptFormat', (d) => header(d, {}, [{ offset: 4096 + 512, payload: Buffer.alloc(4096, 2) }])],
  ['absurd record length', 'CorruptFormat', (d) => header(d, {}, [{ offset: 0, payload: Buffer.alloc(4096, 2), length: 0xfffff000 }])],
  ['encrypted when the policy is plain', 'HrlIdentityMismatch', (d) => header(d, { encryptionMode: 1, keyFingerprint: Buffer.alloc(32, 7) }, [{ offset: 0, payload: Buffer.alloc(4096, 2) }])],
  ['a partial-seed log after the seed completed', 'HrlIdentityMismatch', (d) => header(d, { flags: 0x4 }, [{ offset: 0, payload: Buffer.alloc(4096, 2) }])],
  ['not an HRL at all', 'CorruptFormat', () => Buffer.from('PK\x03\x04 this is a zip file, not a replica log'.padEnd(600, '.'))],
];

function header(d: DiskRef, h: Parameters<typeof forgeHrl>[0], records: Parameters<typeof forgeHrl>[1]): Buffer {
  return forgeHrl({ ids: [d.vault, d.item, d.disk], sequence: 2n, epoch: 1n, virtualSize: BigInt(8 * MIB), ...h }, records);
}

describe('quarantine: bad logs never touch the replica (Azurite, Cosmos DB)', () => {
  const suite = useReplicationHarness('merge-quarantine-');

  const replicaBytes = (d: DiskRef) => suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(d)).downloadToBuffer();

  async function quarantined(d: DiskRef) {
    const out: { name: string; metadata: Record<string, string> }[] = [];
    for await (const b of suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix: `${d.vault}/${d.item}/`, includeMetadata: true })) {
      out.push({ name: b.name, metadata: b.metadata ?? {} });
    }
    return out;
  }

  it.each(CASES)('%s is quarantined with reason %s; the VHD is byte-for-byte untouched', async (kind, code, bad) => {
    const item = `vm-q-${CASES.findIndex((c) => c[0] === kind)}`;
    const disk = await suite.h.protect(item, POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    src.io('write -P 0x61 0 256k', 'write -P 0x62 6M 64k');
    const log1 = src.cutLog({ cutTimeMs: T0 });
    await uploadLog(suite.h.blobs, disk, 1n, log1.bytes);
    expect((await mergeDisk(suite.h.deps(), disk)).applied).toEqual([1n]);
    const before = await replicaBytes(disk);

    src.io('write -P 0x63 4k 4k', 'write -P 0x64 7M 128k');
    const good2 = src.cutLog({ cutTimeMs: T0 + 300_000 }).bytes;
    await uploadLog(suite.h.blobs, disk, 2n, bad(disk, good2));
    const r = await mergeDisk(suite.h.deps(), disk);
    expect(r.outcome).toBe('quarantined');
    expect(r.applied).toEqual([]);
    expect(r.quarantined).toMatchObject({ sequence: 2n, code });

    expect((await replicaBytes(disk)).equals(before)).toBe(true);
    const q = await quarantined(disk);
    expect(q).toHaveLength(1);
    expect(q[0].metadata.reason).toBe(code);
    expect(decodeURIComponent(q[0].metadata.detail)).toBe(r.quarantined!.message);
    const health = await suite.h.health(item);
    expect(health.replicationHealth).toBe('Critical');
    expect(health.healthErrors).toEqual([expect.objectContaining({ errorCode: 'LogQuarantined', entityId: 'disk0' })]);
    expect(health.healthErrors[0].errorMessage).toContain('Replica log 2 of disk disk0 was refused');

    // Later logs wait behind the quarantined one; nothing is applied past it.
    src.io('write -P 0x65 1M 4k');
    const log3 = src.cutLog({ cutTimeMs: T0 + 600_000 });
    await uploadLog(suite.h.blobs, disk, 3n, log3.bytes);
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ outcome: 'gap', waitingFor: 2n, applied: [] });
    expect((await replicaBytes(disk)).equals(before)).toBe(true);
  });

  it('a log larger than the merge accepts is quarantined unread', async () => {
    const disk = await suite.h.protect('vm-q-huge', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    src.io('write -P 0x71 0 2M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes);
    const r = await mergeDisk(suite.h.deps({ tuning: { maxLogBytes: MIB } }), disk);
    expect(r).toMatchObject({ outcome: 'quarantined', quarantined: { code: 'LogTooLarge' } });
    // No replica is created from a refused first log.
    expect(await suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)).exists()).toBe(false);
  });

  it('a new epoch\'s log sent without a resync is quarantined, not dropped as a duplicate', async () => {
    const disk = await suite.h.protect('vm-q-epoch', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    for (let i = 0; i < 2; i++) {
      src.io(`write -P 0x9${i} ${i}M 64k`);
      const l = src.cutLog({ cutTimeMs: T0 + i * 300_000 });
      await uploadLog(suite.h.blobs, disk, l.sequence, l.bytes);
    }
    await mergeDisk(suite.h.deps(), disk);
    const before = await replicaBytes(disk);
    const next = new SourceDisk(suite.tmp, { ...disk }, 8 * MIB, { epoch: 2n });
    writeImage(next.path, src.image());
    await uploadLog(suite.h.blobs, disk, 1n, next.cutLog({ cutTimeMs: T0 + 900_000, full: true }).bytes);
    const r = await mergeDisk(suite.h.deps(), disk);
    expect(r).toMatchObject({ outcome: 'quarantined', quarantined: { sequence: 1n, code: 'HrlIdentityMismatch' } });
    expect(r.quarantined!.message).toContain('epoch 2, the replica is at epoch 1');
    expect((await replicaBytes(disk)).equals(before)).toBe(true);
    expect((await quarantined(disk)).map((q) => q.metadata.sequence)).toEqual(['1']);
  });

  it('a resync (new epoch) clears the Critical health and replicates the disk again', async () => {
    const disk = await suite.h.protect('vm-resync', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    src.io('write -P 0x81 0 1M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0 }).bytes);
    await mergeDisk(suite.h.deps(), disk);
    src.io('write -P 0x82 2M 1M');
    const good2 = src.cutLog({ cutTimeMs: T0 + 300_000 }).bytes;
    await uploadLog(suite.h.blobs, disk, 2n, good2.subarray(0, 100));
    expect((await mergeDisk(suite.h.deps(), disk)).outcome).toBe('quarantined');
    expect((await suite.h.health('vm-resync')).replicationHealth).toBe('Critical');

    await expect(beginResync(suite.h.deps(), disk, { epoch: 1n })).rejects.toMatchObject({ code: 'ResyncEpochNotNewer', message: expect.stringContaining('greater than 1') });
    await expect(beginResync(suite.h.deps(), disk, { epoch: 2n, sourceVirtualSize: 64 * MIB })).rejects.toMatchObject({ code: 'DiskGrewBeyondReplica', message: expect.stringContaining('disable and re-enable protection') });
    await beginResync(suite.h.deps(), disk, { epoch: 2n });
    // The old epoch's disk is only found at a point named in it.
    const scratch = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('scratch-old-epoch.vhd');
    await expect(materializeToPoint(suite.h.deps(), disk, scratch, { epoch: 1n })).rejects.toMatchObject({ code: 'EarlierEpochNeedsPoint' });
    expect(await suite.h.health('vm-resync')).toEqual({ replicationHealth: 'Normal', healthErrors: [] });
    // The agent ships the whole disk as sequence 1 of epoch 2.
    src.io('write -P 0x83 5M 8k');
    const resync = new SourceDisk(suite.tmp, { ...disk, disk: disk.disk }, 8 * MIB, { epoch: 2n });
    writeImage(resync.path, src.image());
    const full = resync.cutLog({ cutTimeMs: T0 + 900_000, full: true });
    await uploadLog(suite.h.blobs, disk, 1n, full.bytes);
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ outcome: 'merged', applied: [1n], epoch: 2n });
    const vhd = join(suite.tmp, 'resync.vhd');
    await downloadReplica(suite.h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
  });
  it('a seeding replica offers a failover nothing: no point and Latest refused until the seed\'s last log is merged', async () => {
    const disk = await suite.h.protect('vm-seeding', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    src.io('write -P 0x71 0 1M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: T0, partialSeed: true }).bytes);
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ applied: [1n], pointsCut: [] });
    await expect(choosePointSelectors(suite.h.deps(), [disk], { kind: 'Latest' })).rejects.toMatchObject({ code: 'NoRecoveryPoint', message: expect.stringContaining('still seeding') });

    src.io('write -P 0x72 4M 1M');
    await uploadLog(suite.h.blobs, disk, 2n, src.cutLog({ cutTimeMs: T0 + 1000 }).bytes);
    const completed = await mergeDisk(suite.h.deps(), disk);
    expect(completed.pointsCut.map((p) => p.sequence)).toEqual([2n]);
    expect((await choosePointSelectors(suite.h.deps(), [disk], { kind: 'LatestProcessed' })).selectors.disk0).toEqual({ kind: 'sequence', sequence: '2', epoch: '1' });
  });
});
