import { join } from 'node:path';
import { mergeDisk, ReplicationPolicy } from '../../../shared/replication';
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

  it('a disk replicated through N logs equals the source', async () => {
    const disk = await suite.h.protect('vm-inorder', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs) {
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      const r = await mergeDisk(suite.h.deps(), disk);
      expect(r.outcome).toBe('merged');
      expect(r.applied).toEqual([log.sequence]);
    }
    expect((await judge(src, src.image(), 'inorder')).same).toBe(true);
    // The judge can fail: a replica one log behind differs from the source.
    expect((await judge(src, logs[3].image, 'inorder-behind')).same).toBe(false);
  });

  it('logs delivered in reverse order wait for the gap, then all apply', async () => {
    const disk = await suite.h.protect('vm-reverse', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of [...logs].reverse()) {
      await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
      const r = await mergeDisk(suite.h.deps(), disk);
      if (log.sequence !== 1n) {
        expect(r.outcome).toBe('gap');
        expect(r.applied).toEqual([]);
      } else {
        expect(r.outcome).toBe('merged');
        expect(r.applied).toEqual([1n, 2n, 3n, 4n, 5n]);
      }
    }
    expect((await judge(src, src.image(), 'reverse')).same).toBe(true);
  });

  it('a gap in the middle stops the merge at the gap; the late log releases the rest', async () => {
    const disk = await suite.h.protect('vm-gap', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs.filter((l) => l.sequence !== 3n)) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    const first = await mergeDisk(suite.h.deps(), disk);
    expect(first).toMatchObject({ outcome: 'gap', applied: [1n, 2n], waitingFor: 3n, lastAppliedSequence: 2n });
    expect((await judge(src, logs[1].image, 'gap-mid')).same).toBe(true);
    await uploadLog(suite.h.blobs, disk, 3n, logs[2].bytes);
    const second = await mergeDisk(suite.h.deps(), disk);
    expect(second).toMatchObject({ outcome: 'merged', applied: [3n, 4n, 5n] });
    expect((await judge(src, src.image(), 'gap-end')).same).toBe(true);
  });

  it('logs delivered twice and merges racing for the lease still end identical', async () => {
    const disk = await suite.h.protect('vm-twice', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const logs = produceLogs(src);
    for (const log of logs) await uploadLog(suite.h.blobs, disk, log.sequence, log.bytes);
    // Three triggers at once: one merges, the others wait on the lease and find nothing left.
    const results = await Promise.all([mergeDisk(suite.h.deps(), disk), mergeDisk(suite.h.deps(), disk), mergeDisk(suite.h.deps(), disk)]);
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual([1n, 2n, 3n, 4n, 5n]);
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
    // Log 4 is half written and not counted: the replica is neither log 3 nor log 4.
    expect((await judge(src, logs[2].image, 'crash-mid-3')).same).toBe(false);
    expect((await judge(src, logs[3].image, 'crash-mid-4')).same).toBe(false);
    const resumed = await mergeDisk(suite.h.deps(), disk);
    expect(resumed).toMatchObject({ outcome: 'merged', applied: [4n, 5n] });
    expect((await judge(src, src.image(), 'crash-end')).same).toBe(true);
  });
});
