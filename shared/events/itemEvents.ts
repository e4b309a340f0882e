import type { HealthError, ProtectedItemProperties, ResourceDocument } from '../metadata';
import { fabricArmIdOf } from './eventIdentity';
import { EVENT_TYPES, type EventSeverity, type ReplicationEventDraft } from './ReplicationEventDraft';

const SEVERITY_OF_HEALTH: Record<string, EventSeverity> = { Normal: 'Info', Warning: 'Warning', Critical: 'Critical' };
const RESYNC = 'ResynchronizationInProgress';
/** Health codes the merge raises when it moves a log to `hrl-quarantine/` (shared/replication quarantineLog). */
const QUARANTINE_CODES = ['LogQuarantined', 'LogDivergent', 'ForeignProtection'];

/** Health code the merge raises when a recovery point it was due to cut failed (shared/replication cutRecoveryPointOrReport). */
const CUT_FAILED_CODE = 'RecoveryPointCutFailed' as const;

/** Errors with these codes `after` has that `before` has not (same disk, code and message: the same problem, raised again). */
function newErrors(before: ProtectedItemProperties, after: ProtectedItemProperties, codes: readonly string[]): HealthError[] {
  const key = (e: HealthError) => `${e.entityId}|${e.errorCode}|${e.errorMessage}`;
  const known = new Set((before.healthErrors ?? []).map(key));
  return (after.healthErrors ?? []).filter((e) => codes.includes(e.errorCode) && !known.has(key(e)));
}

/**
 * The events a change of a protected item raises: a resync started or finished, its
 * replication health changed (with the errors that make it so), a log was quarantined, a recovery point
 * could not be cut. Pure: `before` and `after` are the
 * item's properties around one write.
 */
export function itemEventsOf(item: ResourceDocument<ProtectedItemProperties>, before: ProtectedItemProperties, after: ProtectedItemProperties, at: Date): ReplicationEventDraft[] {
  const base = {
    eventType: EVENT_TYPES.itemHealth,
    affectedObjectFriendlyName: after.friendlyName || item.name,
    affectedObjectCorrelationId: item.armId,
    timeOfOccurrence: at.toISOString(),
    fabricId: fabricArmIdOf(item.armId),
  };
  const drafts: ReplicationEventDraft[] = [];
  if (before.protectionState !== RESYNC && after.protectionState === RESYNC) {
    drafts.push({ ...base, eventCode: 'ResyncStarted', severity: 'Warning', healthErrors: [],
      description: `Resynchronization of ${base.affectedObjectFriendlyName} started: ${after.protectionStateDescription ?? ''}`.trim() });
  }
  if (before.protectionState === RESYNC && after.protectionState !== RESYNC) {
    drafts.push({ ...base, eventCode: 'ResyncCompleted', severity: 'Info', healthErrors: [],
      description: `Resynchronization of ${base.affectedObjectFriendlyName} finished: the item is ${after.protectionState}` });
  }
  if (before.replicationHealth !== after.replicationHealth) {
    const errors = after.healthErrors ?? [];
    const worst = errors.find((e) => e.errorLevel === 'Error') ?? errors[0];
    drafts.push({
      ...base, eventCode: 'ReplicationHealthChanged', severity: SEVERITY_OF_HEALTH[after.replicationHealth] ?? 'Warning', healthErrors: errors,
      description: `Replication health of ${base.affectedObjectFriendlyName} changed from ${before.replicationHealth} to ${after.replicationHealth}`
        + (worst ? `: ${worst.errorCode}: ${worst.errorMessage}` : ''),
      ...(worst ? { recommendedAction: worst.recommendedAction } : {}),
    });
  }
  const errorEvent = (eventCode: 'LogQuarantined' | typeof CUT_FAILED_CODE, e: HealthError): ReplicationEventDraft => ({
    ...base, eventCode, severity: e.errorLevel === 'Error' ? 'Critical' : 'Warning', healthErrors: [e],
    description: `${base.affectedObjectFriendlyName}, disk ${e.entityId}: ${e.errorMessage}`, recommendedAction: e.recommendedAction,
  });
  for (const e of newErrors(before, after, QUARANTINE_CODES)) drafts.push(errorEvent('LogQuarantined', e));
  for (const e of newErrors(before, after, [CUT_FAILED_CODE])) drafts.push(errorEvent(CUT_FAILED_CODE, e));
  return drafts;
}
