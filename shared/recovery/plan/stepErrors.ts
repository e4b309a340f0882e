import type { ActionResolution } from '../../automation/policy/ActionTimeoutPolicy';
import type { AsrServiceErrorDetails } from './AsrJob';

/** A planned failover's source did not ship the final logs of `waiting` in time. */
export function finalLogTimeout(waiting: string[], seconds: number): AsrServiceErrorDetails {
  return {
    code: 'FinalLogTimeout',
    message: `the source did not ship the final logs of ${waiting.join(', ')} within ${seconds} s`,
    possibleCauses: 'The source host or its agent is down or cannot reach storage.',
    recommendedAction: 'Bring the agent back and retry the planned failover, or run an unplanned failover (possible data loss).',
  };
}

/** The task error of an action that failed or timed out. */
export function actionFailure(resolution: Extract<ActionResolution, { state: 'Failed' }>): AsrServiceErrorDetails {
  return {
    code: resolution.errorCode,
    message: resolution.errorMessage,
    possibleCauses: resolution.errorCode === 'ActionTimedOut' ? 'The runbook or the operator did not finish in time.' : 'The action reported failure.',
    recommendedAction: 'Look at the action\'s output, fix the cause, then restart the job.',
  };
}

/** A failback round of `waiting` did not finish in time (the primary site's agent never applied it). */
export function failbackRoundTimeout(waiting: string[], seconds: number): AsrServiceErrorDetails {
  return {
    code: 'FailbackRoundTimeout',
    message: `the primary site did not apply the failback data of ${waiting.join(', ')} within ${seconds} s`,
    possibleCauses: 'The agent on the primary host is not running (asr agent run), or cannot reach storage.',
    recommendedAction: 'Start the agent on the primary host (asr agent run, or asr agent sync once), then retry the failback; it resumes where it stopped. Or cancel it to keep running in the recovery site.',
  };
}
