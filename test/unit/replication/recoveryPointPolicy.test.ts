import { DiskRecoveryPoint, pointsToKeep, recoveryPointWanted, ReplicationPolicy } from '../../../shared/replication';

const MIN = 60_000;
const policy = (over: Partial<ReplicationPolicy> = {}): ReplicationPolicy => ({
  replicationInterval: 300, recoveryPointHistoryDurationInHours: 2, applicationConsistentSnapshotFrequencyInHours: 1, ...over,
});

describe('recoveryPointWanted', () => {
  const five = 5 * MIN;
  it('cuts the first point at the first log, whatever its kind', () => {
    expect(recoveryPointWanted(policy(), { cutTimeMs: 0, consistency: 'crash' }, {}, five)).toBe('CrashConsistent');
    expect(recoveryPointWanted(policy(), { cutTimeMs: 0, consistency: 'application' }, {}, five)).toBe('AppConsistent');
  });
  it('cuts crash points no closer than the interval, by source time', () => {
    expect(recoveryPointWanted(policy(), { cutTimeMs: 4 * MIN, consistency: 'crash' }, { pointCutTimeMs: 0 }, five)).toBeUndefined();
    expect(recoveryPointWanted(policy(), { cutTimeMs: 5 * MIN, consistency: 'crash' }, { pointCutTimeMs: 0 }, five)).toBe('CrashConsistent');
  });
  it('keeps app-consistent points at the policy frequency, with one interval of slack', () => {
    const last = { pointCutTimeMs: 50 * MIN, appPointCutTimeMs: 0 };
    expect(recoveryPointWanted(policy(), { cutTimeMs: 30 * MIN, consistency: 'application' }, { ...last, pointCutTimeMs: 29 * MIN }, five)).toBeUndefined();
    expect(recoveryPointWanted(policy(), { cutTimeMs: 55 * MIN, consistency: 'application' }, last, five)).toBe('AppConsistent');
    expect(recoveryPointWanted(policy(), { cutTimeMs: 54 * MIN, consistency: 'application' }, last, five)).toBeUndefined();
    expect(recoveryPointWanted(policy(), { cutTimeMs: 54 * MIN, consistency: 'application' }, { ...last, pointCutTimeMs: 45 * MIN }, five)).toBe('CrashConsistent');
  });
  it('treats app-consistent logs as crash-consistent when the policy wants none', () => {
    expect(recoveryPointWanted(policy({ applicationConsistentSnapshotFrequencyInHours: 0 }), { cutTimeMs: 0, consistency: 'application' }, {}, five)).toBe('CrashConsistent');
  });
});

describe('pointsToKeep', () => {
  const at = (min: number): DiskRecoveryPoint => ({
    disk: { vault: 'v', item: 'i', disk: 'd' }, id: `d-1-${min}`, epoch: 1n, sequence: BigInt(min), cutTimeMs: min * MIN,
    type: 'CrashConsistent', diskDigest: '', snapshot: `s${min}`, sourceVirtualSize: 1,
  });
  const ids = (ps: DiskRecoveryPoint[]) => ps.map((p) => p.sequence);
  it('keeps the window ending at the newest point plus the newest point before it', () => {
    const points = [0, 20, 50, 70, 130, 185, 200].map(at);
    expect(ids(pointsToKeep(points, policy({ recoveryPointHistoryDurationInHours: 2 })))).toEqual([70n, 130n, 185n, 200n]);
    expect(ids(pointsToKeep(points, policy({ recoveryPointHistoryDurationInHours: 1 })))).toEqual([130n, 185n, 200n]);
  });
  it('keeps only the newest point with zero retention, and nothing of nothing', () => {
    expect(ids(pointsToKeep([at(1), at(2)], policy({ recoveryPointHistoryDurationInHours: 0 })))).toEqual([2n]);
    expect(pointsToKeep([], policy())).toEqual([]);
  });
  it('keeps everything inside a window longer than the history', () => {
    expect(ids(pointsToKeep([at(0), at(10)], policy({ recoveryPointHistoryDurationInHours: 24 })))).toEqual([0n, 10n]);
  });
});
