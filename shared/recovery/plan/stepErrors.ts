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

/** A plan's script action: Hyper-V to Azure runs none. */
export function scriptActionNotSupported(actionName: string): AsrServiceErrorDetails {
  return {
    code: 'ScriptActionNotSupported',
    message: `action '${actionName}' is a script action, which Hyper-V to Azure does not run`,
    possibleCauses: 'The plan has a script action.',
    recommendedAction: 'Replace it with an Automation runbook action.',
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
