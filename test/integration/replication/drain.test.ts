import { join } from 'node:path';
import { drainUpTo, listJournal, materializeToPoint, REPLICA_CONTAINERS, ReplicationPolicy } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { startReplicationHarness, ReplicationHarness } from './replicationHarness';
import { CutLog, downloadReplica, qemuSame, SourceDisk, uploadLog, writeImage } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 6, 0);

describe('failover drain and zero retention', () => {
  let h: ReplicationHarness;
  const tmp = tempDir('merge-drain-');
  beforeAll(async () => {
    h = await startReplicationHarness();
  });
  afterAll(async () => {
    await h.stop();
    tmp.cleanup();
  });

  async function fiveLogs(item: string, policy: ReplicationPolicy) {
    const disk = await h.protect(item, policy);
    const src = new SourceDisk(tmp.path, disk, 4 * MIB);
    const logs: CutLog[] = [];
    for (let i = 0; i < 5; i++) {
      src.io(`write -P 0x${(0x70 + i).toString(16)} ${i * 512}k 128k`, `write -P 0x${(0x80 + i).toString(16)} 3M ${4 * (i + 1)}k`);
      logs.push(src.cutLog({ cutTimeMs: T0 + i * 10 * 60_000 }));
    }
    return { disk, src, logs };
  }

  it('drains pending logs up to the chosen point only, refuses a point it cannot reach, then drains the rest', async () => {
    const { disk, src, logs } = await fiveLogs('vm-drain', { replicationInterval: 300, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 });
    for (const l of logs.filter((x) => x.sequence !== 5n)) await uploadLog(h.blobs, disk, l.sequence, l.bytes);
    const drained = await drainUpTo(h.deps(), disk, 3n);
    expect(drained).toMatchObject({ applied: [1n, 2n, 3n], lastAppliedSequence: 3n });
    const vhd = join(tmp.path, 'drain3.vhd');
    await downloadReplica(h.blobs, disk, vhd);
    expect(qemuSame(writeImage(join(tmp.path, 'src3.raw'), logs[2].image), vhd).same).toBe(true);

    // Log 5 has not arrived: a drain to 5 stops at 4 and says so.
    await expect(drainUpTo(h.deps(), disk, 5n)).rejects.toMatchObject({ code: 'DrainIncomplete', details: { reached: '4' } });
    await uploadLog(h.blobs, disk, 5n, logs[4].bytes);
    expect(await drainUpTo(h.deps(), disk)).toMatchObject({ applied: [5n], outcome: 'merged' });
    await downloadReplica(h.blobs, disk, vhd);
    expect(qemuSame(src.path, vhd).same).toBe(true);
  });

  it('zero retention keeps only the newest point and no journal behind it', async () => {
    const { disk, logs } = await fiveLogs('vm-zero', { replicationInterval: 300, recoveryPointHistoryDurationInHours: 0, applicationConsistentSnapshotFrequencyInHours: 0 });
    for (const l of logs) await uploadLog(h.blobs, disk, l.sequence, l.bytes);
    await drainUpTo(h.deps(), disk);
    const points = await h.deps().recorder.list(disk);
    expect(points.map((p) => p.sequence)).toEqual([5n]);
    expect(await listJournal(h.deps(), disk)).toEqual([]);
    const target = h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('restored/vm-zero.vhd');
    await expect(materializeToPoint(h.deps(), disk, target, { sequence: 4n })).rejects.toMatchObject({ code: 'NoRecoveryPoint' });
    expect(await materializeToPoint(h.deps(), disk, target, { sequence: 5n })).toMatchObject({ sequence: 5n, verified: true });
  });
});
