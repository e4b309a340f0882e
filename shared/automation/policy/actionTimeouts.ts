import { ActionResolution, ActionTimeoutPolicy } from './ActionTimeoutPolicy';
import { AutomationError } from './AutomationError';
import { RecoveryPlanActionDetails } from './RecoveryPlanActionDetails';

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Seconds in an action's `timeout`: an ISO 8601 duration (`PT30M`, `P1DT2H`) or a number of
 * seconds (`"1800"`). Undefined when absent or empty.
 */
export function parseActionTimeout(timeout: string | undefined): number | undefined {
  if (timeout === undefined || timeout.trim() === '') return undefined;
  const t = timeout.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = ISO_DURATION.exec(t);
  if (!m || t === 'P' || t.endsWith('T')) throw new AutomationError('AutomationNotConfigured', `action timeout "${timeout}" is neither seconds nor an ISO 8601 duration like PT30M`);
  const [, d, h, min, s] = m;
  return Math.round(Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0));
}

/**
 * The timeout policy of an action. Runbooks always have one (`defaultRunbookTimeoutSeconds` when
 * the action gives none) and fail on timeout unless `onTimeout: "Continue"`; manual actions wait
 * forever unless they give a timeout.
 */
export function actionTimeoutPolicyOf(details: RecoveryPlanActionDetails, defaults: { defaultRunbookTimeoutSeconds: number }): ActionTimeoutPolicy {
  switch (details.instanceType) {
    case 'AutomationRunbookActionDetails':
      return { timeoutSeconds: parseActionTimeout(details.timeout) ?? defaults.defaultRunbookTimeoutSeconds, onTimeout: details.onTimeout ?? 'Fail' };
    case 'ManualActionDetails':
      return { timeoutSeconds: parseActionTimeout(details.timeout), onTimeout: details.onTimeout ?? 'Fail' };
    case 'ScriptActionDetails':
      return { timeoutSeconds: parseActionTimeout(details.timeout), onTimeout: 'Fail' };
  }
}

/**
 * When the orchestrator's durable timer for the action fires: `startedAt` comes from the
 * orchestration's replay-safe clock (`context.df.currentUtcDateTime`). Undefined = no timer.
 */
export function actionDeadline(startedAt: Date, policy: ActionTimeoutPolicy): Date | undefined {
  if (!policy.timeoutSeconds) return undefined;
  return new Date(startedAt.getTime() + policy.timeoutSeconds * 1000);
}

/** How long a callback token for this action lives: the timeout plus a grace period. */
export function callbackTokenTtlSeconds(policy: ActionTimeoutPolicy, graceSeconds: number): number {
  return (policy.timeoutSeconds || 7 * 86400) + graceSeconds;
}

/** What the task records when the timer wins. */
export function resolveActionTimeout(actionName: string, policy: ActionTimeoutPolicy): ActionResolution {
  const errorMessage = `action "${actionName}" got no outcome within ${policy.timeoutSeconds} s`;
  if (policy.onTimeout === 'Continue') return { state: 'TimedOutContinued', errorCode: 'ActionTimedOut', errorMessage: `${errorMessage}; the plan continues as the action is configured to (onTimeout: Continue)` };
  return { state: 'Failed', errorCode: 'ActionTimedOut', errorMessage: `${errorMessage}; check the runbook's Automation job, then restart the job or fail over again` };
}

/** What the task records when the runbook called back. */
export function resolveRunbookOutcome(actionName: string, outcome: { status: 'Succeeded' | 'Failed'; output?: string }): ActionResolution {
  if (outcome.status === 'Succeeded') return { state: 'Succeeded', output: outcome.output };
  return { state: 'Failed', errorCode: 'RunbookFailed', errorMessage: `runbook action "${actionName}" reported failure${outcome.output ? `: ${outcome.output}` : ''}`, output: outcome.output };
}
