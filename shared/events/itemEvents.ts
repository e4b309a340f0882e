import type { ProtectedItemProperties, ResourceDocument } from '../metadata';
import { fabricArmIdOf } from './eventIdentity';
import { EVENT_TYPES, type EventSeverity, type ReplicationEventDraft } from './ReplicationEventDraft';

const SEVERITY_OF_HEALTH: Record<string, EventSeverity> = { Normal: 'Info', Warning: 'Warning', Critical: 'Critical' };
const RESYNC = 'ResynchronizationInProgress';

/**
 * The events a change of a protected item raises: its replication health changed (with the
 * errors that make it so), a resync started or finished. Pure: `before` and `after` are the
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
  return drafts;
}
