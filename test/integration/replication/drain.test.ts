import { join } from 'node:path';
import { drainUpTo, listJournal, materializeToPoint, REPLICA_CONTAINERS, ReplicationPolicy } from '../../../shared/replication';
import { useReplicationHarness } from './replicationHarness';
import { CutLog, downloadReplica, qemuSame, SourceDisk, uploadLog, writeImage } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 6, 0);

describe('failover drain and zero retention', () => {
  const suite = useReplicationHarness('merge-drain-');

  async function fiveLogs(item: string, policy: ReplicationPolicy) {
    const disk = await suite.h.protect(item, policy);
    const src = new SourceDisk(suite.tmp, disk, 4 * MIB);
    const logs: CutLog[] = [];
    for (let i = 0; i < 5; i++) {
      src.io(`write -P 0x${(0x70 + i).toString(16)} ${i * 512}k 128k`, `write -P 0x${(0x80 + i).toString(16)} 3M ${4 * (i + 1)}k`);
      logs.push(src.cutLog({ cutTimeMs: T0 + i * 10 * 60_000 }));
    }
    return { disk, src, logs };
  }

  it('drains pending logs up to the chosen point only, refuses a point it cannot reach, then drains the rest', async () => {
    const { disk, src, logs } = await fiveLogs('vm-drain', { replicationInterval: 300, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 });
    for (const l of logs.filter((x) => x.sequence !== 5n)) await uploadLog(suite.h.blobs, disk, l.sequence, l.bytes);
    const drained = await drainUpTo(suite.h.deps(), disk, 3n);
    expect(drained).toMatchObject({ applied: [1n, 2n, 3n], lastAppliedSequence: 3n });
    const vhd = join(suite.tmp, 'drain3.vhd');
    await downloadReplica(suite.h.blobs, disk, vhd);
    expect(qemuSame(writeImage(join(suite.tmp, 'src3.raw'), logs[2].image), vhd).same).toBe(true);

    // Log 5 has not arrived: a drain to 5 stops at 4 and says so.
    await expect(drainUpTo(suite.h.deps(), disk, 5n)).rejects.toMatchObject({ code: 'DrainIncomplete', details: { reached: '4' } });
    await uploadLog(suite.h.blobs, disk, 5n, logs[4].bytes);
    expect(await drainUpTo(suite.h.deps(), disk)).toMatchObject({ applied: [5n], outcome: 'merged' });
    await downloadReplica(suite.h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
  });

  it('zero retention keeps only the newest point and no journal behind it', async () => {
    const { disk, logs } = await fiveLogs('vm-zero', { replicationInterval: 300, recoveryPointHistoryDurationInHours: 0, applicationConsistentSnapshotFrequencyInHours: 0 });
    for (const l of logs) await uploadLog(suite.h.blobs, disk, l.sequence, l.bytes);
    await drainUpTo(suite.h.deps(), disk);
    const points = await suite.h.deps().recorder.list(disk);
    expect(points.map((p) => p.sequence)).toEqual([5n]);
    expect(await listJournal(suite.h.deps(), disk)).toEqual([]);
    const target = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('restored/vm-zero.vhd');
    await expect(materializeToPoint(suite.h.deps(), disk, target, { sequence: 4n })).rejects.toMatchObject({ code: 'NoRecoveryPoint' });
    expect(await materializeToPoint(suite.h.deps(), disk, target, { sequence: 5n })).toMatchObject({ sequence: 5n, verified: true });
  });
});
