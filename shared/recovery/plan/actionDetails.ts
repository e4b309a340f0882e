import type { ActionTimeoutPolicy } from '../../automation/policy/ActionTimeoutPolicy';
import { actionTimeoutPolicyOf } from '../../automation/policy/actionTimeouts';
import type { RecoveryPlanActionDetails } from '../../automation/policy/RecoveryPlanActionDetails';
import type { PlanAction } from './PlanSnapshot';
import type { RecoveryJobInput } from './RecoveryJobInput';

/** A plan action's details as automation reads them; the API checked them against that schema when the plan was written. */
export function actionDetailsOf(action: PlanAction): RecoveryPlanActionDetails {
  return action.customDetails as RecoveryPlanActionDetails;
}

/**
 * An action's timeout policy under the job's defaults: a runbook without a timeout waits
 * `runbookSeconds`, a manual action without one `manualActionSeconds` (absent: for ever).
 */
export function actionPolicyOf(details: RecoveryPlanActionDetails, timeouts: RecoveryJobInput['timeouts']): ActionTimeoutPolicy {
  const policy = actionTimeoutPolicyOf(details, { defaultRunbookTimeoutSeconds: timeouts.runbookSeconds });
  if (details.instanceType === 'ManualActionDetails' && !policy.timeoutSeconds && timeouts.manualActionSeconds) policy.timeoutSeconds = timeouts.manualActionSeconds;
  return policy;
}
