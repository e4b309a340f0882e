/**
 * `customDetails` of a `RecoveryPlanAction` as the API stores it (ARM-API.md). Runbook actions
 * carry, beyond ASR's fields, the webhook to call: ASR starts the runbook through Automation's
 * API, which we cannot reach on a laptop, so the webhook URL stands for it.
 */
export type RecoveryPlanActionDetails =
  | { instanceType: 'AutomationRunbookActionDetails'; runbookId: string; timeout?: string; fabricLocation: 'Primary' | 'Recovery'; webhookUrl?: string; onTimeout?: 'Fail' | 'Continue' }
  | { instanceType: 'ManualActionDetails'; description?: string; timeout?: string; onTimeout?: 'Fail' | 'Continue' }
  | { instanceType: 'ScriptActionDetails'; path: string; timeout?: string; fabricLocation: 'Primary' | 'Recovery' };

/** A recovery plan action (group `startGroupActions` / `endGroupActions`). */
export interface RecoveryPlanAction {
  actionName: string;
  failoverTypes: string[];
  failoverDirections: string[];
  customDetails: RecoveryPlanActionDetails;
}
