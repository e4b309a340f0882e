import type { HealthError, ProtectedItemProperties, ResourceDocument } from '../metadata';
import { fabricArmIdOf } from './eventIdentity';
import { EVENT_TYPES, type ReplicationEventDraft } from './ReplicationEventDraft';

/** The RPO threshold an item is past: none, Warning or Critical (shared/protection rpoThresholds). */
export type RpoAlertLevel = 'Warning' | 'Critical' | undefined;

const RANK = { none: 0, Warning: 1, Critical: 2 } as const;

/** The level the item's computed RPO health error says (absent: within the thresholds). */
export function rpoAlertLevelOf(rpoError: HealthError | undefined): RpoAlertLevel {
  if (!rpoError) return undefined;
  return rpoError.errorLevel === 'Error' ? 'Critical' : 'Warning';
}

/**
 * The events an evaluation of an item's RPO raises, edge-triggered: `RpoThresholdCrossed` when
 * the level rises (within → Warning → Critical), `RpoRecovered` when it falls (to within, or
 * from Critical back to Warning). The same level again raises nothing. Pure.
 */
export function rpoEventsOf(
  item: ResourceDocument<ProtectedItemProperties>, before: RpoAlertLevel, after: RpoAlertLevel,
  rpo: { rpoInSeconds?: number; lastReplicatedTime?: string; error?: HealthError }, at: Date,
): ReplicationEventDraft[] {
  if (before === after) return [];
  const name = item.properties.friendlyName || item.name;
  const base = {
    eventType: EVENT_TYPES.itemHealth, affectedObjectFriendlyName: name, affectedObjectCorrelationId: item.armId,
    timeOfOccurrence: at.toISOString(), fabricId: fabricArmIdOf(item.armId),
    eventSpecificDetails: { instanceType: 'RpoStatus', rpoInSeconds: rpo.rpoInSeconds, lastReplicatedTime: rpo.lastReplicatedTime, level: after ?? 'Normal' },
  };
  if (RANK[after ?? 'none'] > RANK[before ?? 'none']) {
    return [{
      ...base, eventCode: 'RpoThresholdCrossed', severity: after!, healthErrors: rpo.error ? [rpo.error] : [],
      description: `RPO of ${name} crossed the ${after === 'Critical' ? 'critical' : 'warning'} threshold: ${rpo.error?.errorMessage ?? `${rpo.rpoInSeconds} s`}`,
      ...(rpo.error?.recommendedAction ? { recommendedAction: rpo.error.recommendedAction } : {}),
    }];
  }
  return [{
    ...base, eventCode: 'RpoRecovered', severity: after ?? 'Info', healthErrors: rpo.error ? [rpo.error] : [],
    description: after
      ? `RPO of ${name} is back under the critical threshold, still above the warning one: ${rpo.error?.errorMessage ?? ''}`.trim()
      : `RPO of ${name} is back within its thresholds (${rpo.rpoInSeconds ?? '?'} s; source as of ${rpo.lastReplicatedTime ?? 'unknown'})`,
  }];
}
