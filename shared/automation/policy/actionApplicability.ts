import { AutomationError } from './AutomationError';
import { RecoveryPlanAction } from './RecoveryPlanActionDetails';
import { runbookWebhookOf, type RunbookWebhooks } from './RunbookWebhookSetting';

/**
 * Does the action run in this failover? ASR runs an action only for the failover types (as
 * actions spell them: `TestFailover`, `PlannedFailover`, `UnplannedFailover`, `Commit`…) and
 * directions it lists.
 */
export function actionApplies(action: Pick<RecoveryPlanAction, 'failoverTypes' | 'failoverDirections'>, failoverType: string, failoverDirection: string): boolean {
  return action.failoverTypes.includes(failoverType) && action.failoverDirections.includes(failoverDirection);
}

/** Why this service will not run an action, as the job's task error shows it. */
export interface ActionRefusal {
  code: 'ScriptActionNotSupported';
  message: string;
  possibleCauses: string;
  recommendedAction: string;
}

/**
 * What this service cannot run, decided from the plan alone (pure: the orchestrator calls it).
 * Script actions: ASR supports them only for VMware and physical machines (a script on the
 * process server / configuration server), not Hyper-V to Azure, which this service is.
 */
export function actionRefusalOf(action: { actionName: string; customDetails: { instanceType: string } }): ActionRefusal | undefined {
  if (action.customDetails.instanceType !== 'ScriptActionDetails') return undefined;
  return {
    code: 'ScriptActionNotSupported',
    message: `action '${action.actionName}' is a script action, which Hyper-V to Azure does not run`,
    possibleCauses: 'The plan has a script action.',
    recommendedAction: 'Replace it with an Automation runbook action.',
  };
}

/**
 * Refuses what this service cannot run: {@link actionRefusalOf}, and runbook actions without a
 * configured webhook (we have no Automation API client to start a runbook by id). Call it
 * before a failover runs the action.
 */
export function assertActionSupported(action: RecoveryPlanAction, webhooks: RunbookWebhooks): void {
  const refusal = actionRefusalOf(action);
  if (refusal) throw new AutomationError(refusal.code, `${refusal.message} (ASR supports scripts for VMware/physical machines). ${refusal.recommendedAction}`);
  const d = action.customDetails;
  if (d.instanceType === 'AutomationRunbookActionDetails') runbookWebhookOf(webhooks, d.runbookId);
}
