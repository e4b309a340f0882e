import { join } from 'node:path';
import { advanceReplica, DiskLease, DiskRef, mergeDisk, readReplica, replicaClient, ReplicationPolicy } from '../../../shared/replication';
import { useReplicationHarness } from './replicationHarness';
import { downloadReplica, qemuSame, SourceDisk, uploadLog, writeImage, CutLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 0, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 1, applicationConsistentSnapshotFrequencyInHours: 0 };

/** Five rounds of writes of every shape: small, large, sequential, overwrites, zeroing, the last unit. */
function produceLogs(src: SourceDisk): CutLog[] {
  const rounds = [
    ['write -P 0x11 0 1M', 'write -P 0x12 3M 64k', 'write -P 0x13 7M 1M'],
    ['write -P 0x21 4k 4k', 'write -P 0x22 2M 2M', 'write -P 0x23 5M 12k'],
    ['write -P 0x31 0 8k', 'write -z 2M 1M', 'write -P 0x33 6M 64k'],
    ['write -P 0x41 1M 3M', 'write -P 0x42 8188k 4k'],
    ['write -P 0x51 512k 4k', 'write -P 0x52 520k 4k', 'write -P 0x53 7M 8k'],
  ];
  return rounds.map((cmds, i) => {
    src.io(...cmds);
    return src.cutLog({ cutTimeMs: T0 + i * 30_000 });
  });
}

describe('mergeDisk: order, duplicates and crashes (Azurite, judged by qemu-img)', () => {
  const suite = useReplicationHarness('merge-order-');

  async function judge(src: SourceDisk, image: Buffer, name: string) {
    const vhd = join(suite.tmp, `${name}.vhd`);
    const buf = await downloadReplica(suite.h.blobs, src.disk, vhd);
    expect(buf.length).toBe(8 * MIB + 512);
    return qemuSame(writeImage(join(suite.tmp, `${name}.raw`), image), vhd);
  }

  /** The last applied sequence the replica blob itself records (what a failover pins), or undefined before the seed. */
  async function stored(disk: DiskRef): Promise<bigint | undefined> {
    return (await readReplica(replicaClient(suite.h.deps(), disk)))?.state?.lastAppliedSequence;
  }

  /** After each step: the replica records `sequence` and holds exactly the source image at that log. */
  async function expectReplicaAt(src: SourceDisk, logs: CutLog[], sequence: bigint, name: string) {
    expect(await stored(src.disk)).toBe(sequence);
    expect((await judge(src, logs[Number(sequence) - 1].image, name)).same).toBe(true);
  }

  it('a disk replicated through N logs equals the source, log by log; a log carrying another sequence than its name is refused', async () => {
    const disk = await suite.h.protect('vm-inorder', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs) {
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      const r = await mergeDisk(suite.h.deps(), disk);
      expect(r).toMatchObject({ outcome: 'merged', applied: [log.sequence], lastAppliedSequence: log.sequence });
      await expectReplicaAt(src, logs, log.sequence, `inorder-${log.sequence}`);
    }
    expect((await judge(src, src.image(), 'inorder')).same).toBe(true);
    // The judge can fail: a replica one log behind differs from the source.
    expect((await judge(src, logs[3].image, 'inorder-behind')).same).toBe(false);

    // Log 7 uploaded under the name of log 6 (the next one): the header's sequence decides, so
    // it is quarantined and the replica stays at log 5, bytes unchanged.
    src.io('write -P 0x61 0 4k');
    src.cutLog({ cutTimeMs: T0 + 5 * 30_000 });
    src.io('write -P 0x71 4k 4k');
    const seventh = src.cutLog({ cutTimeMs: T0 + 6 * 30_000 });
    await uploadLog(suite.h.blobs, disk, 6n, seventh.bytes);
    const misnamed = await mergeDisk(suite.h.deps(), disk);
    expect(misnamed).toMatchObject({ outcome: 'quarantined', applied: [], quarantined: { sequence: 6n, code: 'HrlIdentityMismatch' } });
    await expectReplicaAt(src, logs, 5n, 'inorder-misnamed');
  });

  it('logs delivered in reverse order wait for the gap, then all apply; before and after the seed', async () => {
    const disk = await suite.h.protect('vm-reverse', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    // Before the seed: nothing applies until log 1 is there, and no replica state exists.
    for (const log of [...logs].reverse()) {
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      const r = await mergeDisk(suite.h.deps(), disk);
      if (log.sequence === 1n) break;
      expect(r).toMatchObject({ outcome: 'gap', applied: [], waitingFor: 1n });
      expect(await stored(disk)).toBeUndefined();
    }
    await expectReplicaAt(src, logs, 5n, 'reverse-5');

    // After it: logs 8, 7, 6 arrive in that order; each merge waits for 6 and the replica stays at 5.
    const more = [['write -P 0x61 1M 4k'], ['write -P 0x71 2M 8k', 'write -P 0x72 0 4k'], ['write -P 0x81 1M 64k']].map((cmds, i) => {
      src.io(...cmds);
      return src.cutLog({ cutTimeMs: T0 + (5 + i) * 30_000 });
    });
    const all = [...logs, ...more];
    for (const log of [...more].reverse()) {
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      const r = await mergeDisk(suite.h.deps(), disk);
      if (log.sequence === 6n) {
        expect(r).toMatchObject({ outcome: 'merged', applied: [6n, 7n, 8n], lastAppliedSequence: 8n });
      } else {
        expect(r).toMatchObject({ outcome: 'gap', applied: [], waitingFor: 6n, lastAppliedSequence: 5n });
        await expectReplicaAt(src, all, 5n, `reverse-wait-${log.sequence}`);
      }
    }
    await expectReplicaAt(src, all, 8n, 'reverse-8');
    expect((await judge(src, src.image(), 'reverse')).same).toBe(true);
  });

  it('a gap in the middle stops the merge at the gap; the late log releases the rest', async () => {
    const disk = await suite.h.protect('vm-gap', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs.filter((l) => l.sequence !== 3n)) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    const first = await mergeDisk(suite.h.deps(), disk);
    expect(first).toMatchObject({ outcome: 'gap', applied: [1n, 2n], waitingFor: 3n, lastAppliedSequence: 2n });
    await expectReplicaAt(src, logs, 2n, 'gap-mid');
    // Asking again changes nothing while log 3 is missing.
    expect(await mergeDisk(suite.h.deps(), disk)).toMatchObject({ outcome: 'gap', applied: [], waitingFor: 3n, lastAppliedSequence: 2n });
    await uploadLog(suite.h.blobs, disk, 3n, logs[2].bytes);
    const second = await mergeDisk(suite.h.deps(), disk);
    expect(second).toMatchObject({ outcome: 'merged', applied: [3n, 4n, 5n] });
    await expectReplicaAt(src, logs, 5n, 'gap-end');
  });

  it('logs delivered twice and merges racing for the lease still end identical', async () => {
    const disk = await suite.h.protect('vm-twice', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    // Three triggers at once: one merges, the others wait on the lease and find nothing left.
    const results = await Promise.all([mergeDisk(suite.h.deps(), disk), mergeDisk(suite.h.deps(), disk), mergeDisk(suite.h.deps(), disk)]);
    // Each merge applied an ascending run of consecutive logs, the runs together each log once.
    for (const r of results) expect(r.applied).toEqual(r.applied.length ? Array.from({ length: r.applied.length }, (_, i) => r.applied[0] + BigInt(i)) : []);
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual([1n, 2n, 3n, 4n, 5n]);
    await expectReplicaAt(src, logs, 5n, 'twice-raced');
    // A redelivery of old logs after the fact changes nothing and is cleaned up.
    await uploadLog(suite.h.blobs, disk, 2n, logs[1].bytes);
    await uploadLog(suite.h.blobs, disk, 5n, logs[4].bytes);
    const again = await mergeDisk(suite.h.deps(), disk);
    expect(again).toMatchObject({ applied: [], lastAppliedSequence: 5n });
    const left = [];
    for await (const b of suite.h.blobs.getContainerClient('hrl').listBlobsFlat({ prefix: `${disk.vault}/${disk.item}/` })) left.push(b.name);
    expect(left).toEqual([]);
    expect((await judge(src, src.image(), 'twice')).same).toBe(true);
  });

  it('a merge whose first log is applied and deleted by another merge after its listing leaves the disk to that merge', async () => {
    const disk = await suite.h.protect('vm-seedrace', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const [first] = produceLogs(src);
    await uploadLog(suite.h.blobs, disk, 1n, first.bytes);
    // The seed log is read before the lease (its replica does not exist yet). Here the other
    // merge (the trigger beside the sweep, a second instance) runs to its end in that window.
    const deps = suite.h.deps();
    let other: Awaited<ReturnType<typeof mergeDisk>> | undefined;
    const pending = deps.blobs.getContainerClient('hrl');
    const racing = Object.create(pending) as typeof pending;
    racing.getBlobClient = (name: string) => {
      const blob = pending.getBlobClient(name);
      const late = Object.create(blob) as typeof blob;
      late.downloadToBuffer = (async (...args: Parameters<typeof blob.downloadToBuffer>) => {
        other ??= await mergeDisk(suite.h.deps(), disk);
        return blob.downloadToBuffer(...args);
      }) as typeof blob.downloadToBuffer;
      return late;
    };
    const blobs = Object.create(deps.blobs) as typeof deps.blobs;
    blobs.getContainerClient = (name: string) => (name === 'hrl' ? racing : deps.blobs.getContainerClient(name));
    const r = await mergeDisk({ ...deps, blobs }, disk);
    expect(other).toMatchObject({ outcome: 'merged', applied: [1n] });
    expect(r).toMatchObject({ outcome: 'busy', applied: [] });
    await expectReplicaAt(src, [first], 1n, 'seedrace');
  });

  it('a crash after some Put Page calls of a log replays that log and ends identical', async () => {
    const disk = await suite.h.protect('vm-crash', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB, { maxRecordBytes: 64 * 1024 });
    const logs = produceLogs(src);
    for (const log of logs) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    let puts = 0;
    const crashing = suite.h.deps({
      tuning: { putConcurrency: 1, maxPutBytes: 64 * 1024 },
      afterPutPage: ({ sequence }) => {
        if (sequence === 4n && ++puts === 5) throw new Error('simulated crash after 5 Put Page calls of log 4');
      },
    });
    await expect(mergeDisk(crashing, disk)).rejects.toThrow('simulated crash');
    // Log 4 is half written and not counted: the replica records log 3, yet its bytes are
    // neither log 3 nor log 4.
    expect(await stored(disk)).toBe(3n);
    expect((await judge(src, logs[2].image, 'crash-mid-3')).same).toBe(false);
    expect((await judge(src, logs[3].image, 'crash-mid-4')).same).toBe(false);
    const resumed = await mergeDisk(suite.h.deps(), disk);
    expect(resumed).toMatchObject({ outcome: 'merged', applied: [4n, 5n] });
    await expectReplicaAt(src, logs, 5n, 'crash-end');
  });

  it('a merge whose view of the sequence is stale cannot advance the replica, even holding the lease', async () => {
    const disk = await suite.h.protect('vm-stale', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs.slice(0, 3)) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    await mergeDisk(suite.h.deps(), disk);
    const blob = replicaClient(suite.h.deps(), disk);
    const now = (await readReplica(blob))!.state!;
    expect(now.lastAppliedSequence).toBe(3n);
    // A merge that read the state at log 2 (before log 3 was applied) tries to record log 3 again.
    const lease = await DiskLease.acquire(blob, 15, 5_000);
    try {
      await expect(advanceReplica(blob, lease.leaseId, { ...now, lastAppliedSequence: 2n }, { ...now, lastAppliedSequence: 3n, lastAppliedCutTimeMs: 1 }))
        .rejects.toMatchObject({ code: 'ReplicaLeaseLost' });
    } finally {
      await lease.release();
    }
    expect((await readReplica(blob))!.state).toMatchObject({ lastAppliedSequence: 3n, lastAppliedCutTimeMs: now.lastAppliedCutTimeMs });
    await expectReplicaAt(src, logs, 3n, 'stale-3');
  });
});
