import { beginResync, mergeDisk, REPLICA_CONTAINERS, replicaBlob, ReplicationPolicy, sweepReplication } from '../../../shared/replication';
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
    const again = await sweepReplication(suite.h.deps());
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

  it('a fresh gap (younger than the interval) is not reported yet', async () => {
    const c = await suite.h.protect('vm-sweep-c', POLICY);
    const src = new SourceDisk(suite.tmp, c, 4 * MIB);
    src.io('write -P 0x51 0 4k');
    src.cutLog({ cutTimeMs: T0 });
    src.io('write -P 0x52 0 4k');
    const l2 = src.cutLog({ cutTimeMs: T0 + 30_000 });
    await uploadLog(suite.h.blobs, c, 2n, l2.bytes);
    const report = await sweepReplication(suite.h.deps());
    const finding = report.findings.find((f) => f.disk.item === 'vm-sweep-c');
    expect(finding).toMatchObject({ pendingAfter: 1, merge: { outcome: 'gap', waitingFor: 1n } });
    expect(finding!.problem).toBeUndefined();
    expect((await suite.h.health('vm-sweep-c')).replicationHealth).toBe('Normal');
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
    await sweepReplication(suite.h.deps());
    expect(await suite.h.health('vm-sweep-d')).toEqual({ replicationHealth: 'Normal', healthErrors: [] });
  });
});
