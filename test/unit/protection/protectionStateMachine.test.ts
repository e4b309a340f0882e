import type { ProtectedItemProperties } from '../../../shared/metadata';
import {
  deriveProtectionStatus, formatDuration, recordFailedOver, recordFailoverCancelled, recordFailoverCommitted, recordMerged,
  recordQuarantined, recordResyncStarted, rpoThresholds,
} from '../../../shared/protection';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function item(diskIds: string[] = ['disk0']): ProtectedItemProperties {
  return {
    friendlyName: 'web01', policyId: '/x/replicationPolicies/p30', protectionState: 'InitialReplicationPending', replicationHealth: 'Normal',
    activeLocation: 'Primary', allowedOperations: [], healthErrors: [],
    providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: diskIds.map((diskId) => ({ diskId })) },
  };
}

const read = (p: ProtectedItemProperties, seconds: number, intervalSeconds = 30) => deriveProtectionStatus(p, { now: at(seconds), itemName: 'web01', intervalSeconds });
const merged = (diskId: string, sequence: number, cutSeconds: number, seedComplete: boolean, epoch = 1) =>
  ({ diskId, epoch, lastAppliedSequence: sequence, lastAppliedCutTimeMs: at(cutSeconds).getTime(), seedComplete });

describe('protection state machine (shared/protection)', () => {
  it('goes InitialReplicationPending -> InitialReplicationInProgress -> Protected, with an RPO only once the seed is complete', () => {
    let p = item();
    expect(read(p, 0)).toMatchObject({ protectionState: 'InitialReplicationPending', protectionStateDescription: 'Waiting for the first replica log', rpoInSeconds: undefined });
    p = recordMerged(p, merged('disk0', 1, 0, false), at(1));
    expect(read(p, 2)).toMatchObject({ protectionState: 'InitialReplicationInProgress', protectionStateDescription: 'Initial replication: disk0 at log 1', rpoInSeconds: undefined, lastReplicatedTime: undefined });
    p = recordMerged(p, { ...merged('disk0', 3, 10, true), newestPoint: { id: 'disk0-1-3', cutTimeMs: at(10).getTime(), type: 'CrashConsistent' } }, at(12));
    expect(read(p, 15)).toMatchObject({
      protectionState: 'Protected', replicationHealth: 'Normal', healthErrors: [], rpoInSeconds: 5, lastReplicatedTime: at(10).toISOString(),
      lastRecoveryPointTime: at(10).toISOString(), lastRecoveryPointId: 'disk0-1-3',
    });
    // The stored copy is as of the write; it is what a direct reader of the document sees.
    expect(p).toMatchObject({ protectionState: 'Protected', providerSpecificDetails: { rpoInSeconds: 2, lastReplicatedTime: at(10).toISOString() } });
  });

  it('is Protected only when every disk is, and its RPO is the oldest disk\'s', () => {
    let p = item(['disk0', 'disk1']);
    p = recordMerged(p, merged('disk0', 1, 0, true), at(1));
    expect(read(p, 2)).toMatchObject({ protectionState: 'InitialReplicationInProgress', protectionStateDescription: 'Initial replication: disk0 complete, disk1 waiting for its first log', rpoInSeconds: undefined });
    p = recordMerged(p, merged('disk1', 2, 0, true), at(2));
    p = recordMerged(p, merged('disk0', 2, 30, true), at(31));
    expect(read(p, 40)).toMatchObject({ protectionState: 'Protected', rpoInSeconds: 40, lastReplicatedTime: at(0).toISOString() });
  });

  it('turns Warning and then Critical as the RPO passes thresholds derived from the interval, computed at read time', () => {
    expect(rpoThresholds(30)).toEqual({ warningSeconds: 120, criticalSeconds: 300 });
    expect(rpoThresholds(300)).toEqual({ warningSeconds: 660, criticalSeconds: 1920 });
    expect(rpoThresholds(900)).toEqual({ warningSeconds: 1860, criticalSeconds: 5520 });
    const p = recordMerged(item(), merged('disk0', 1, 0, true), at(1));
    expect(read(p, 120).replicationHealth).toBe('Normal');
    const warning = read(p, 121);
    expect(warning).toMatchObject({ replicationHealth: 'Warning', rpoInSeconds: 121 });
    expect(warning.healthErrors).toEqual([expect.objectContaining({
      errorCode: 'RpoThresholdExceeded', errorLevel: 'Warning', entityId: 'web01',
      errorMessage: `RPO is 2m 01s, above the warning threshold of 2m 00s for a 30s replication interval: a failover now would get the source as of ${at(0).toISOString()}`,
    })]);
    expect(read(p, 301)).toMatchObject({ replicationHealth: 'Critical', rpoInSeconds: 301, healthErrors: [expect.objectContaining({ errorLevel: 'Error' })] });
    // A 5-minute policy allows more.
    expect(read(p, 301, 300).replicationHealth).toBe('Normal');
    // Without the policy the RPO is shown but not judged; the stored fields never carry its error.
    expect(deriveProtectionStatus(p, { now: at(9999), itemName: 'web01' })).toMatchObject({ replicationHealth: 'Normal', rpoInSeconds: 9999 });
  });

  it('ignores progress older than what it records (a slow writer cannot move the item back)', () => {
    const p = recordMerged(item(), merged('disk0', 5, 50, true), at(51));
    expect(recordMerged(p, merged('disk0', 4, 40, true), at(52))).toBe(p);
  });

  it('keeps the state on a quarantine (health Critical), and resynchronises to Protected with the old point meanwhile', () => {
    let p = recordMerged(item(), { ...merged('disk0', 4, 40, true), newestPoint: { id: 'disk0-1-4', cutTimeMs: at(40).getTime(), type: 'CrashConsistent' } }, at(41));
    p = recordQuarantined(p, 'disk0', { code: 'LogQuarantined', message: 'Replica log 5 of disk disk0 was refused', recommendedAction: 'Resync the item' }, at(50));
    expect(read(p, 60)).toMatchObject({ protectionState: 'Protected', replicationHealth: 'Critical', healthErrors: [expect.objectContaining({ errorCode: 'LogQuarantined', entityId: 'disk0', recommendedAction: 'Resync the item' })] });
    p = recordResyncStarted(p, 'disk0', 2, at(70));
    expect(read(p, 80)).toMatchObject({
      protectionState: 'ResynchronizationInProgress', protectionStateDescription: 'Resynchronizing: disk0 waiting for its first log',
      replicationHealth: 'Normal', healthErrors: [], rpoInSeconds: 40, lastReplicatedTime: at(40).toISOString(),
    });
    p = recordMerged(p, merged('disk0', 1, 90, false, 2), at(91));
    expect(read(p, 92).protectionStateDescription).toBe('Resynchronizing: disk0 at log 1');
    p = recordMerged(p, merged('disk0', 2, 100, true, 2), at(101));
    expect(read(p, 110)).toMatchObject({ protectionState: 'Protected', rpoInSeconds: 10 });
  });

  it('holds FailedOver and FailoverCommitted against merges; a cancel derives the state from the disks again', () => {
    let p = recordMerged(item(), merged('disk0', 2, 20, true), at(21));
    p = recordFailedOver(p, at(30));
    expect(read(p, 1000)).toMatchObject({ protectionState: 'FailedOver', rpoInSeconds: undefined, replicationHealth: 'Normal', lastReplicatedTime: at(20).toISOString() });
    expect(read(recordMerged(p, merged('disk0', 3, 40, true), at(41)), 50).protectionState).toBe('FailedOver');
    expect(read(recordFailoverCancelled(p, at(60)), 60)).toMatchObject({ protectionState: 'Protected', rpoInSeconds: 40 });
    expect(read(recordFailoverCommitted(p, at(60)), 60).protectionState).toBe('FailoverCommitted');
  });

  it('formats durations as an operator reads them', () => {
    expect([0, 45, 60, 665, 3600, 7380, 90000].map(formatDuration)).toEqual(['0s', '45s', '1m 00s', '11m 05s', '1h 00m', '2h 03m', '1d 01h']);
  });
});
