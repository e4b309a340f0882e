import { beginResync, mergeDisk, REPLICA_CONTAINERS, replicaBlob, ReplicationPolicy, sweepReplication } from '../../../shared/replication';
import { countingBlobs } from '../../support/countingBlobs';
import { useReplicationHarness } from './replicationHarness';
import { SourceDisk, uploadLog } from './SourceDisk';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 4, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 1, applicationConsistentSnapshotFrequencyInHours: 0 };

describe('sweepReplication: the timer finds what the trigger missed', () => {
  const suite = useReplicationHarness('merge-sweep-');
  const later = (ms: number) => () => new Date(Date.now() + ms);

  it('merges logs no trigger merged, reports a stuck gap, clears it when the log arrives', async () => {
    const a = await suite.h.protect('vm-sweep-a', POLICY);
    const b = await suite.h.protect('vm-sweep-b', POLICY);
    const srcA = new SourceDisk(suite.tmp, a, 4 * MIB);
    const srcB = new SourceDisk(suite.tmp, b, 4 * MIB);
    const logsB = [];
    for (let i = 0; i < 3; i++) {
      srcA.io(`write -P 0x${(0x30 + i).toString(16)} ${i}M 64k`);
      srcB.io(`write -P 0x${(0x40 + i).toString(16)} ${i}M 64k`);
      const la = srcA.cutLog({ cutTimeMs: T0 + i * 30_000 });
      await uploadLog(suite.h.blobs, a, la.sequence, la.bytes);
      logsB.push(srcB.cutLog({ cutTimeMs: T0 + i * 30_000 }));
    }
    await uploadLog(suite.h.blobs, b, 1n, logsB[0].bytes);
    await uploadLog(suite.h.blobs, b, 3n, logsB[2].bytes);

    // Five minutes later by the wall clock: the gap is older than the 30 s interval.
    const report = await sweepReplication(suite.h.deps({ now: later(5 * 60_000) }));
    const byItem = Object.fromEntries(report.findings.map((f) => [f.disk.item, f]));
    expect(byItem['vm-sweep-a']).toMatchObject({ pendingAfter: 0, merge: { applied: [1n, 2n, 3n] } });
    expect(byItem['vm-sweep-a'].problem).toBeUndefined();
    expect(byItem['vm-sweep-b']).toMatchObject({ problem: 'gap', pendingAfter: 1, merge: { applied: [1n], waitingFor: 2n } });
    const health = await suite.h.health('vm-sweep-b');
    expect(health.replicationHealth).toBe('Warning');
    expect(health.healthErrors[0]).toMatchObject({ errorCode: 'ReplicationGap' });
    expect(health.healthErrors[0].errorMessage).toContain('Replica log 2 of disk disk0 has not arrived');
    // The agent uploads in order, so the missing log is lost: the action names the repair.
    expect(health.healthErrors[0].recommendedAction).toContain(`'asr item resync ${b.vault.split('~').pop()} vm-sweep-b'`);
    expect(health.healthErrors[0].recommendedAction).toContain('repairReplication');

    await uploadLog(suite.h.blobs, b, 2n, logsB[1].bytes);
    const again = await sweepReplication(suite.h.deps({ now: later(60_000) }));
    expect(again.findings.find((f) => f.disk.item === 'vm-sweep-b')).toMatchObject({ merge: { applied: [2n, 3n] }, pendingAfter: 0 });
    expect(await suite.h.health('vm-sweep-b')).toEqual({ replicationHealth: 'Normal', healthErrors: [] });
  });

  it('drops a log of an older epoch that arrived after a repair moved the replica on, instead of reporting a gap', async () => {
    const d = await suite.h.protect('vm-sweep-straggler', POLICY);
    const src = new SourceDisk(suite.tmp, d, 4 * MIB);
    for (let i = 0; i < 2; i++) {
      src.io(`write -P 0x${(0x61 + i).toString(16)} ${i}M 4k`);
      const l = src.cutLog({ cutTimeMs: T0 + i * 30_000 });
      await uploadLog(suite.h.blobs, d, l.sequence, l.bytes);
    }
    await mergeDisk(suite.h.deps(), d);
    await beginResync(suite.h.deps(), d, { epoch: 2n });
    // The agent's cycle in flight when the repair began lands afterwards, in the old epoch.
    src.io('write -P 0x63 2M 4k');
    const straggler = src.cutLog({ cutTimeMs: T0 + 60_000 });
    await uploadLog(suite.h.blobs, d, straggler.sequence, straggler.bytes);

    const report = await sweepReplication(suite.h.deps({ now: later(5 * 60_000) }));
    const finding = report.findings.find((f) => f.disk.item === 'vm-sweep-straggler');
    expect(finding).toMatchObject({ pendingAfter: 0 });
    expect(finding!.problem).toBeUndefined();
    expect((await suite.h.health('vm-sweep-straggler')).healthErrors).toEqual([]);
  });

  it('a fresh gap is left to the trigger: not merged, not reported; once older than the interval it is', async () => {
    const c = await suite.h.protect('vm-sweep-c', POLICY);
    const src = new SourceDisk(suite.tmp, c, 4 * MIB);
    src.io('write -P 0x51 0 4k');
    src.cutLog({ cutTimeMs: T0 });
    src.io('write -P 0x52 0 4k');
    const l2 = src.cutLog({ cutTimeMs: T0 + 30_000 });
    await uploadLog(suite.h.blobs, c, 2n, l2.bytes);
    const report = await sweepReplication(suite.h.deps());
    expect(report.findings.find((f) => f.disk.item === 'vm-sweep-c')).toBeUndefined();
    expect(report.leftToTrigger).toBeGreaterThanOrEqual(1);
    expect((await suite.h.health('vm-sweep-c')).replicationHealth).toBe('Normal');
    const later2 = await sweepReplication(suite.h.deps({ now: later(60_000) }));
    expect(later2.findings.find((f) => f.disk.item === 'vm-sweep-c')).toMatchObject({ problem: 'gap', pendingAfter: 1, merge: { outcome: 'gap', waitingFor: 1n } });
  });

  it('a replica held by a stuck merge shows as lag once logs wait past two intervals', async () => {
    const d = await suite.h.protect('vm-sweep-d', POLICY);
    const src = new SourceDisk(suite.tmp, d, 4 * MIB);
    src.io('write -P 0x61 0 4k');
    const l1 = src.cutLog({ cutTimeMs: T0 });
    await uploadLog(suite.h.blobs, d, 1n, l1.bytes);
    await mergeDisk(suite.h.deps(), d);
    src.io('write -P 0x62 0 4k');
    const l2 = src.cutLog({ cutTimeMs: T0 + 30_000 });
    await uploadLog(suite.h.blobs, d, 2n, l2.bytes);
    // A merge that hangs holding the lease (e.g. a host frozen mid-merge).
    const lease = suite.h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(d)).getBlobLeaseClient();
    await lease.acquireLease(60);
    try {
      const report = await sweepReplication(suite.h.deps({ now: later(10 * 60_000) }));
      expect(report.findings.find((f) => f.disk.item === 'vm-sweep-d')).toMatchObject({ problem: 'lag', pendingAfter: 1, merge: { outcome: 'busy' } });
      const health = await suite.h.health('vm-sweep-d');
      expect(health).toMatchObject({ replicationHealth: 'Warning', healthErrors: [expect.objectContaining({ errorCode: 'ReplicationLag' })] });
    } finally {
      await lease.releaseLease();
    }
    await sweepReplication(suite.h.deps({ now: later(60_000) }));
    expect(await suite.h.health('vm-sweep-d')).toEqual({ replicationHealth: 'Normal', healthErrors: [] });
  });

  it('lists only what waits: many idle disks cost one listing of hrl that returns only pending logs, and no other listing', async () => {
    const idle = [];
    for (let i = 0; i < 30; i++) idle.push(await suite.h.protect(`vm-idle-${i}`, POLICY));
    for (const d of idle) {
      const src = new SourceDisk(suite.tmp, d, 1 * MIB);
      src.io('write -P 0x71 0 4k');
      const l = src.cutLog({ cutTimeMs: T0 });
      await uploadLog(suite.h.blobs, d, l.sequence, l.bytes);
      await mergeDisk(suite.h.deps(), d);
    }
    const [stuck, fresh] = [await suite.h.protect('vm-busy-stuck', POLICY), await suite.h.protect('vm-busy-fresh', POLICY)];
    for (const [d, at] of [[stuck, 0], [fresh, 1]] as const) {
      const src = new SourceDisk(suite.tmp, d, 1 * MIB);
      src.io('write -P 0x72 0 4k');
      const l = src.cutLog({ cutTimeMs: T0 });
      if (at) await new Promise((r) => setTimeout(r, 1500));
      await uploadLog(suite.h.blobs, d, l.sequence, l.bytes);
    }
    const { blobs, listings } = countingBlobs(suite.h.blobs);
    // A grace of one second: the stuck log is older, the fresh one is not.
    const report = await sweepReplication(suite.h.deps({ blobs, tuning: { sweepGraceMs: 1000 } }));
    const mine = report.findings.filter((f) => f.disk.item.startsWith('vm-busy-'));
    expect(mine.map((f) => [f.disk.item, f.merge?.applied])).toEqual([['vm-busy-stuck', [1n]]]);
    expect(report.leftToTrigger).toBeGreaterThanOrEqual(1);
    // One listing of hrl, which holds no blob of the 30 idle disks; every other listing is a
    // prefix listing of a disk it merged (its logs, its snapshots; earlier tests' stuck disks
    // too): no container is listed whole, no idle or fresh disk is looked at.
    const whole = listings.filter((l) => l.container === REPLICA_CONTAINERS.pending && !l.prefix);
    expect(whole).toHaveLength(1);
    expect(whole[0].items).toBe(report.listed);
    expect(report.listed).toBeLessThan(idle.length);
    const swept = report.findings.map((f) => `/${f.disk.item}/`);
    expect(listings.filter((l) => l !== whole[0] && !swept.some((d) => (l.prefix ?? '').includes(d)))).toEqual([]);
    expect(swept).not.toContain('/vm-busy-fresh/');
    expect(swept.filter((d) => d.startsWith('/vm-idle-'))).toEqual([]);
  });
});
