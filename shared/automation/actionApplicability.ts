import { AutomationError } from './AutomationError';
import { RecoveryPlanAction } from './RecoveryPlanActionDetails';

/** Does the action run in this failover? ASR runs an action only for the types and directions it lists. */
export function actionApplies(action: RecoveryPlanAction, failoverType: string, failoverDirection: string): boolean {
  return action.failoverTypes.includes(failoverType) && action.failoverDirections.includes(failoverDirection);
}

/**
 * Refuses what this service cannot run. Script actions: ASR supports them only for VMware and
 * physical machines (a script on the process server / configuration server), not Hyper-V to
 * Azure, which this service is. Runbook actions need a webhook here (we have no Automation API
 * client to start a runbook by id). Call it when a plan is created or updated, and again before a
 * failover runs the action.
 */
export function assertActionSupported(action: RecoveryPlanAction): void {
  const d = action.customDetails;
  if (d.instanceType === 'ScriptActionDetails') {
    throw new AutomationError('ScriptActionNotSupported', `action "${action.actionName}" is a script action; Hyper-V to Azure runs runbook and manual actions only (ASR supports scripts for VMware/physical machines). Replace it with an Automation runbook action`);
  }
  if (d.instanceType === 'AutomationRunbookActionDetails' && !d.webhookUrl) {
    throw new AutomationError('RunbookWebhookMissing', `runbook action "${action.actionName}" (${d.runbookId}) has no webhookUrl; create a webhook for the runbook in Azure Automation and set it on the action`);
  }
}
