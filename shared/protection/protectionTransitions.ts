import type { DiskReplicationStatus, HealthError, ProtectedItemProperties } from '../metadata';
import { withProtectionStatus } from './deriveProtectionStatus';
import { isFailoverState } from './ProtectionState';

/**
 * The protection state machine's write side: each function takes an item's properties and a
 * fact, and returns the properties with the fact recorded and the derived fields (state, health,
 * RPO as of `at`) refreshed. Pure; callers read the item, apply one of these and write it back
 * with If-Match (see `MetadataHealthReporter` in shared/replication, `ScenarioLock` in
 * shared/recovery). Stale facts (an older epoch or sequence than recorded) change nothing.
 */

/** What one merge round reports for a disk. */
export interface DiskMergeProgress {
  diskId: string;
  epoch: number;
  lastAppliedSequence: number;
  lastAppliedCutTimeMs?: number;
  /** The epoch's seed is complete (the merge applied a log without the partial-seed flag). */
  seedComplete: boolean;
  /** The newest recovery point the round cut, if any. */
  newestPoint?: { id: string; cutTimeMs: number; type: 'CrashConsistent' | 'AppConsistent' };
}

/** A health problem to record on the item. */
export interface HealthIssue {
  code: string;
  level: 'Warning' | 'Error';
  message: string;
  recommendedAction: string;
}

/** The derived fields as of `at`, without the RPO's health error: that one is judged when the API answers. */
function refreshed(p: ProtectedItemProperties, at: Date): ProtectedItemProperties {
  return withProtectionStatus(p, { now: at, itemName: '' });
}

function withDisk(p: ProtectedItemProperties, status: DiskReplicationStatus): ProtectedItemProperties {
  const others = (p.providerSpecificDetails.protectedDisks ?? []).filter((s) => s.diskId !== status.diskId);
  const order = p.providerSpecificDetails.disks.map((d) => d.diskId);
  const disks = [...others, status].sort((a, b) => order.indexOf(a.diskId) - order.indexOf(b.diskId));
  return { ...p, providerSpecificDetails: { ...p.providerSpecificDetails, protectedDisks: disks } };
}

function diskOf(p: ProtectedItemProperties, diskId: string): DiskReplicationStatus | undefined {
  return p.providerSpecificDetails.protectedDisks?.find((s) => s.diskId === diskId);
}

/**
 * A merge round applied logs (or cut a point): the disk's progress, its seed completion (which
 * the merge learns from the log flags: `markSeedCompleted` is this with `seedComplete: true`)
 * and its newest point. Ignored when older than what the item already records.
 */
export function recordMerged(p: ProtectedItemProperties, progress: DiskMergeProgress, at: Date): ProtectedItemProperties {
  const before = diskOf(p, progress.diskId);
  if (before && (before.replicationEpoch > progress.epoch
    || (before.replicationEpoch === progress.epoch && before.lastAppliedSequence > progress.lastAppliedSequence))) {
    return p;
  }
  const point = progress.newestPoint;
  const status: DiskReplicationStatus = {
    diskId: progress.diskId,
    replicationEpoch: progress.epoch,
    lastAppliedSequence: progress.lastAppliedSequence,
    lastAppliedCutTime: progress.lastAppliedCutTimeMs === undefined ? before?.lastAppliedCutTime : new Date(progress.lastAppliedCutTimeMs).toISOString(),
    lastMergedTime: at.toISOString(),
    isInitialReplicationComplete: progress.seedComplete,
    lastRecoveryPointId: point ? point.id : before?.lastRecoveryPointId,
    lastRecoveryPointTime: point ? new Date(point.cutTimeMs).toISOString() : before?.lastRecoveryPointTime,
    lastRecoveryPointType: point ? point.type : before?.lastRecoveryPointType,
  };
  return refreshed(withDisk(p, status), at);
}

/** Raises (or replaces) the error `issue.code` about `entityId` (a disk id, or the item's name). */
export function raiseHealthError(p: ProtectedItemProperties, entityId: string, issue: HealthIssue, at: Date): ProtectedItemProperties {
  const rest = (p.healthErrors ?? []).filter((e) => !(e.entityId === entityId && e.errorCode === issue.code));
  const error: HealthError = {
    errorCode: issue.code, errorMessage: issue.message, recommendedAction: issue.recommendedAction, errorLevel: issue.level,
    creationTimeUtc: at.toISOString(), entityId, errorSource: 'Replication',
  };
  return refreshed({ ...p, healthErrors: [...rest, error] }, at);
}

/** Closes the errors with these codes about `entityId` (no-op for codes not raised). */
export function clearHealthErrors(p: ProtectedItemProperties, entityId: string, codes: readonly string[], at: Date): ProtectedItemProperties {
  const kept = (p.healthErrors ?? []).filter((e) => !(e.entityId === entityId && codes.includes(e.errorCode)));
  return refreshed({ ...p, healthErrors: kept }, at);
}

/** A disk's log was refused and quarantined: Critical until a resync (`LogQuarantined`). */
export function recordQuarantined(p: ProtectedItemProperties, diskId: string, issue: Omit<HealthIssue, 'level'>, at: Date): ProtectedItemProperties {
  return raiseHealthError(p, diskId, { ...issue, level: 'Error' }, at);
}

/** Codes a resync closes: it is their fix. */
export const CLOSED_BY_RESYNC = ['LogQuarantined', 'LogDivergent', 'ForeignProtection', 'ReplicationGap', 'ReplicationLag', 'RecoveryPointCutFailed'];

/**
 * A resync moved the disk to `epoch` with nothing applied: the item is ResynchronizationInProgress
 * until the new epoch's seed completes. The disk's newest point is kept (the old epoch's points
 * stay usable), and the errors the resync fixes are closed.
 */
export function recordResyncStarted(p: ProtectedItemProperties, diskId: string, epoch: number, at: Date): ProtectedItemProperties {
  const before = diskOf(p, diskId);
  if (before && before.replicationEpoch >= epoch) return p;
  const status: DiskReplicationStatus = {
    diskId, replicationEpoch: epoch, lastAppliedSequence: 0, isInitialReplicationComplete: false,
    lastRecoveryPointId: before?.lastRecoveryPointId, lastRecoveryPointTime: before?.lastRecoveryPointTime, lastRecoveryPointType: before?.lastRecoveryPointType,
  };
  const kept = (p.healthErrors ?? []).filter((e) => !(e.entityId === diskId && CLOSED_BY_RESYNC.includes(e.errorCode)));
  return refreshed(withDisk({ ...p, healthErrors: kept }, status), at);
}

/** The failover states a scenario's success sets, or `undefined` when it derives the state again (cancel). */
const STATE_AFTER: Record<string, { protectionState: string; protectionStateDescription: string } | null> = {
  PlannedFailover: { protectionState: 'FailedOver', protectionStateDescription: 'Failed over: the workload runs in the recovery site; commit or cancel the failover' },
  UnplannedFailover: { protectionState: 'FailedOver', protectionStateDescription: 'Failed over: the workload runs in the recovery site; commit or cancel the failover' },
  FailoverCommit: { protectionState: 'FailoverCommitted', protectionStateDescription: 'Failover committed: the item no longer replicates from the source' },
  CancelFailover: null,
  Failback: { protectionState: 'FailbackCompleted', protectionStateDescription: 'Failed back: the workload runs in the primary site again; commit the failback (or cancel it to run in the recovery site again)' },
  FailbackCommit: { protectionState: 'FailbackCommitted', protectionStateDescription: 'Failback committed: reprotect to replicate to the recovery site again' },
  FailbackCancel: { protectionState: 'FailoverCommitted', protectionStateDescription: 'Failback cancelled: the workload runs in the recovery site again' },
  // A reprotect started a new epoch: the state is the disks' again (ResynchronizationInProgress, then Protected).
  Reprotect: null,
  ReverseReprotect: { protectionState: 'ReverseReplicating', protectionStateDescription: 'Reverse replicating: the recovered disks\' changes go to the primary site at the policy interval; fail back (planned failover) to return, or stop it (failover cancel)' },
};

/** What starting a scenario does to the item's state (only the failback shows that it runs). */
const STATE_ON_START: Record<string, { protectionState: string; protectionStateDescription: string }> = {
  Failback: { protectionState: 'FailbackInProgress', protectionStateDescription: 'Failing back: the primary site is brought up to date from the recovery site' },
};

/** The failback's ends other than success: failed keeps the machines where they are; cancelled restarted the recovery site's machine. */
const STATE_ON_END: Record<string, Partial<Record<'Failed' | 'Cancelled', { protectionState: string; protectionStateDescription: string }>>> = {
  Failback: {
    Failed: { protectionState: 'FailbackFailed', protectionStateDescription: 'Failback failed: retry it, or cancel it to run in the recovery site again' },
    Cancelled: { protectionState: 'FailoverCommitted', protectionStateDescription: 'Failback cancelled: the workload runs in the recovery site again' },
  },
};

/** A scenario started: a failback shows `FailbackInProgress`; other scenarios leave the state alone. */
export function recordScenarioStarted(p: ProtectedItemProperties, scenario: string, at: Date): ProtectedItemProperties {
  const state = STATE_ON_START[scenario];
  return state ? refreshed({ ...p, ...state }, at) : p;
}

/** A scenario failed or was cancelled: a failback says so on the item; other scenarios leave the state alone. */
export function recordScenarioEnded(p: ProtectedItemProperties, scenario: string, outcome: 'Failed' | 'Cancelled', at: Date): ProtectedItemProperties {
  const state = STATE_ON_END[scenario]?.[outcome];
  return state ? refreshed({ ...p, ...state }, at) : p;
}

/**
 * A scenario succeeded: failovers set `FailedOver`, a commit `FailoverCommitted`, a cancel goes
 * back to what the disks say (normally Protected). Other scenarios (test failover, cleanup)
 * leave the state alone. `recordFailedOver`, `recordFailoverCommitted` and
 * `recordFailoverCancelled` are this for one scenario each.
 */
export function recordScenarioSucceeded(p: ProtectedItemProperties, scenario: string, at: Date): ProtectedItemProperties {
  const after = STATE_AFTER[scenario];
  if (after === undefined) return p;
  if (after === null) {
    if (!isFailoverState(p.protectionState)) return p;
    return refreshed({ ...p, protectionState: 'Protected' }, at);
  }
  return refreshed({ ...p, ...after }, at);
}

export const recordFailedOver = (p: ProtectedItemProperties, at: Date): ProtectedItemProperties => recordScenarioSucceeded(p, 'UnplannedFailover', at);
export const recordFailoverCommitted = (p: ProtectedItemProperties, at: Date): ProtectedItemProperties => recordScenarioSucceeded(p, 'FailoverCommit', at);
export const recordFailoverCancelled = (p: ProtectedItemProperties, at: Date): ProtectedItemProperties => recordScenarioSucceeded(p, 'CancelFailover', at);
