import type { AlertRuleProperties } from '../../metadata';
import type { IncomingAlert } from './parseAlertDelivery';

/** Why a rule does not act on an alert; undefined when it does. */
export type MismatchReason = string | undefined;

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `target` is `id` or a resource under it (ARM ids compare case-insensitively). */
function isAtOrUnder(target: string, id: string): boolean {
  const t = target.toLowerCase().replace(/\/+$/, '');
  const i = id.toLowerCase().replace(/\/+$/, '');
  return t === i || t.startsWith(`${i}/`);
}

/**
 * Whether a rule acts on an alert: the monitor condition must be `Fired` (a resolved alert
 * starts nothing), and every condition the rule names must hold. Pure.
 */
export function mismatchOf(alert: IncomingAlert, match: AlertRuleProperties['match']): MismatchReason {
  if (alert.monitorCondition !== 'Fired') return `the alert is ${alert.monitorCondition}; only a Fired alert starts anything`;
  if (match.sources && !match.sources.includes(alert.source)) return `source ${alert.source} is not one of ${match.sources.join(', ')}`;
  if (match.alertRuleNames && !match.alertRuleNames.some((n) => alert.alertRuleName !== undefined && eq(n, alert.alertRuleName))) {
    return `alert rule '${alert.alertRuleName ?? '(none)'}' is not one of ${match.alertRuleNames.join(', ')}`;
  }
  if (match.severities && !match.severities.some((s) => alert.severity !== undefined && eq(s, alert.severity))) {
    return `severity ${alert.severity ?? '(none)'} is not one of ${match.severities.join(', ')}`;
  }
  if (match.resourceIds && !match.resourceIds.some((id) => alert.targetIds.some((t) => isAtOrUnder(t, id)))) {
    return 'none of the alert\'s targets is one of the rule\'s resourceIds or under one';
  }
  if (match.eventTypes && !match.eventTypes.some((t) => eq(t, alert.eventType))) return `event type ${alert.eventType} is not one of ${match.eventTypes.join(', ')}`;
  return undefined;
}
