import type { DiskReplicationStatus, HealthError, ProtectedItemProperties } from '../metadata';
import { formatDuration } from './formatDuration';
import { isFailoverState, ProtectionState } from './ProtectionState';
import { ReplicationHealth, worstHealth } from './replicationHealth';
import { rpoThresholds } from './rpoThresholds';

/** Code of the health error an RPO past its thresholds raises (computed, never stored). */
export const RPO_HEALTH_CODE = 'RpoThresholdExceeded';

/** Everything the API answers about an item's replication, derived from its stored facts at `now`. */
export interface ProtectionStatus {
  protectionState: string;
  protectionStateDescription: string;
  replicationHealth: ReplicationHealth;
  /** The stored errors plus the RPO's, if it is past a threshold. */
  healthErrors: HealthError[];
  /** Cut time of the newest state a failover would get on every disk (ISO). */
  lastReplicatedTime?: string;
  /** now − lastReplicatedTime, whole seconds; absent until every disk has such a state. */
  rpoInSeconds?: number;
  lastRpoCalculatedTime: string;
  /** The newest recovery point every disk has (the oldest of the disks' newest points). */
  lastRecoveryPointTime?: string;
  lastRecoveryPointId?: string;
}

export interface DeriveOptions {
  now: Date;
  /** The item's name, the `entityId` of item-wide errors. */
  itemName: string;
  /** The policy's replication interval; without it the RPO is not judged. */
  intervalSeconds?: number;
}

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/** The disks the item protects, each with what the merge engine reported (undefined: nothing yet). */
function disksOf(p: ProtectedItemProperties): { diskId: string; status?: DiskReplicationStatus }[] {
  const statuses = p.providerSpecificDetails.protectedDisks ?? [];
  const ids = p.providerSpecificDetails.disks?.map((d) => d.diskId) ?? [];
  const all = ids.length > 0 ? ids : statuses.map((s) => s.diskId);
  return all.map((diskId) => ({ diskId, status: statuses.find((s) => s.diskId === diskId) }));
}

/**
 * The newest source time a failover of this disk would get: its last merged log once the
 * epoch's seed is complete; during a resync, the newest point kept from before it.
 */
function newestUsableTime(s: DiskReplicationStatus | undefined): number | undefined {
  if (!s) return undefined;
  if (s.isInitialReplicationComplete && s.lastAppliedSequence > 0) return ms(s.lastAppliedCutTime);
  return ms(s.lastRecoveryPointTime);
}

function stateOf(disks: { diskId: string; status?: DiskReplicationStatus }[]): { state: ProtectionState; description: string } {
  const started = disks.filter((d) => d.status && (d.status.lastAppliedSequence > 0 || d.status.replicationEpoch > 1));
  if (disks.length === 0 || started.length === 0) return { state: 'InitialReplicationPending', description: 'Waiting for the first replica log' };
  if (disks.every((d) => d.status?.isInitialReplicationComplete)) return { state: 'Protected', description: 'Protected' };
  const progress = disks.map(({ diskId, status: s }) => (!s || s.lastAppliedSequence === 0 ? `${diskId} waiting for its first log`
    : s.isInitialReplicationComplete ? `${diskId} complete` : `${diskId} at log ${s.lastAppliedSequence}`)).join(', ');
  if (disks.some((d) => d.status && !d.status.isInitialReplicationComplete && d.status.replicationEpoch > 1)) {
    return { state: 'ResynchronizationInProgress', description: `Resynchronizing: ${progress}` };
  }
  return { state: 'InitialReplicationInProgress', description: `Initial replication: ${progress}` };
}

function rpoError(rpo: number, lastReplicated: string, o: DeriveOptions): HealthError | undefined {
  if (o.intervalSeconds === undefined) return undefined;
  const t = rpoThresholds(o.intervalSeconds);
  const level = rpo > t.criticalSeconds ? 'Error' : rpo > t.warningSeconds ? 'Warning' : undefined;
  if (!level) return undefined;
  const limit = level === 'Error' ? t.criticalSeconds : t.warningSeconds;
  return {
    errorCode: RPO_HEALTH_CODE,
    errorLevel: level,
    errorMessage: `RPO is ${formatDuration(rpo)}, above the ${level === 'Error' ? 'critical' : 'warning'} threshold of ${formatDuration(limit)} `
      + `for a ${formatDuration(o.intervalSeconds)} replication interval: a failover now would get the source as of ${lastReplicated}`,
    recommendedAction: `Check that the agent runs on the source host ('asr agent run <vault> ${o.itemName}') and reaches storage, and that`
      + ' no disk of the item has a health error that stops its merge; RPO recovers by itself once new replica logs are merged.',
    creationTimeUtc: o.now.toISOString(),
    entityId: o.itemName,
    errorSource: 'Replication',
  };
}

/**
 * The fields of a protected item's document that {@link deriveProtectionStatus} reads (with its
 * policy's interval, from `policyId`): what a roll-up over many items lists instead of every item whole.
 */
export const PROTECTION_STATUS_FIELDS = [
  'id', 'name', 'armId', 'kind',
  'properties.protectionState', 'properties.protectionStateDescription', 'properties.healthErrors', 'properties.policyId',
  'properties.providerSpecificDetails.disks', 'properties.providerSpecificDetails.protectedDisks',
] as const;

/**
 * The protection state machine's read side: state, health, health errors, RPO and newest point
 * of an item, from the facts stored on it (per-disk merge progress, raised errors, failover
 * state) and the time now. Pure: the API calls it on every answer, so a stale RPO grows
 * instead of freezing; the writers call it to keep the stored copy of these fields current.
 */
export function deriveProtectionStatus(p: ProtectedItemProperties, o: DeriveOptions): ProtectionStatus {
  const disks = disksOf(p);
  const failedOver = isFailoverState(p.protectionState);
  const { state, description } = failedOver
    ? { state: p.protectionState, description: p.protectionStateDescription ?? p.protectionState }
    : stateOf(disks);
  const times = disks.map((d) => newestUsableTime(d.status));
  const newest = disks.length > 0 && times.every((t): t is number => t !== undefined && !Number.isNaN(t)) ? Math.min(...times) : undefined;
  const lastReplicatedTime = newest === undefined ? undefined : new Date(newest).toISOString();
  // After a failover the source no longer replicates forward: no RPO to keep.
  const rpoInSeconds = newest === undefined || failedOver ? undefined : Math.max(0, Math.floor((o.now.getTime() - newest) / 1000));

  const pointTimes = disks.map((d) => ({ t: ms(d.status?.lastRecoveryPointTime), id: d.status?.lastRecoveryPointId }));
  const oldestNewestPoint = pointTimes.every((x) => x.t !== undefined)
    ? pointTimes.reduce<{ t?: number; id?: string } | undefined>((m, x) => (m === undefined || x.t! < m.t! ? x : m), undefined)
    : undefined;

  // RPO errors are judged afresh on every read; a stored one (never written by us) is dropped.
  const stored = (p.healthErrors ?? []).filter((e) => e.errorCode !== RPO_HEALTH_CODE);
  const computed = rpoInSeconds === undefined ? undefined : rpoError(rpoInSeconds, lastReplicatedTime!, o);
  const healthErrors = computed ? [...stored, computed] : [...stored];
  return {
    protectionState: state,
    protectionStateDescription: description,
    replicationHealth: worstHealth(healthErrors),
    healthErrors,
    lastReplicatedTime,
    rpoInSeconds,
    lastRpoCalculatedTime: o.now.toISOString(),
    lastRecoveryPointTime: oldestNewestPoint?.t === undefined ? undefined : new Date(oldestNewestPoint.t).toISOString(),
    lastRecoveryPointId: oldestNewestPoint?.id,
  };
}

/**
 * `properties` with the derived fields written in (state, health, errors, RPO, newest point),
 * as the API answers them and as the writers store them.
 */
export function withProtectionStatus(p: ProtectedItemProperties, o: DeriveOptions): ProtectedItemProperties {
  const s = deriveProtectionStatus(p, o);
  return {
    ...p,
    protectionState: s.protectionState,
    protectionStateDescription: s.protectionStateDescription,
    replicationHealth: s.replicationHealth,
    healthErrors: s.healthErrors,
    providerSpecificDetails: {
      ...p.providerSpecificDetails,
      lastReplicatedTime: s.lastReplicatedTime,
      rpoInSeconds: s.rpoInSeconds,
      lastRpoCalculatedTime: s.lastRpoCalculatedTime,
      lastRecoveryPointTime: s.lastRecoveryPointTime,
      lastRecoveryPointId: s.lastRecoveryPointId,
    },
  };
}
