import { AutomationError } from './AutomationError';
import { RecoveryPlanAction } from './RecoveryPlanActionDetails';
import { runbookWebhookOf, type RunbookWebhooks } from './RunbookWebhookSetting';

/** Does the action run in this failover? ASR runs an action only for the types and directions it lists. */
export function actionApplies(action: RecoveryPlanAction, failoverType: string, failoverDirection: string): boolean {
  return action.failoverTypes.includes(failoverType) && action.failoverDirections.includes(failoverDirection);
}

/**
 * Refuses what this service cannot run. Script actions: ASR supports them only for VMware and
 * physical machines (a script on the process server / configuration server), not Hyper-V to
 * Azure, which this service is. Runbook actions need a configured webhook (we have no
 * Automation API client to start a runbook by id). Call it before a failover runs the action.
 */
export function assertActionSupported(action: RecoveryPlanAction, webhooks: RunbookWebhooks): void {
  const d = action.customDetails;
  if (d.instanceType === 'ScriptActionDetails') {
    throw new AutomationError('ScriptActionNotSupported', `action "${action.actionName}" is a script action; Hyper-V to Azure runs runbook and manual actions only (ASR supports scripts for VMware/physical machines). Replace it with an Automation runbook action`);
  }
  if (d.instanceType === 'AutomationRunbookActionDetails') runbookWebhookOf(webhooks, d.runbookId);
}
