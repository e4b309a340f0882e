/**
 * `customDetails` of a `RecoveryPlanAction` as the API stores it (ARM-API.md). A runbook action
 * names its runbook only; the webhook that starts it comes from configuration
 * (`ASR_RUNBOOK_WEBHOOKS`), never from the plan, which every Reader can read.
 */
export type RecoveryPlanActionDetails =
  | { instanceType: 'AutomationRunbookActionDetails'; runbookId: string; timeout?: string; fabricLocation: 'Primary' | 'Recovery'; onTimeout?: 'Fail' | 'Continue' }
  | { instanceType: 'ManualActionDetails'; description?: string; timeout?: string; onTimeout?: 'Fail' | 'Continue' }
  | { instanceType: 'ScriptActionDetails'; path: string; timeout?: string; fabricLocation: 'Primary' | 'Recovery' };

/** A recovery plan action (group `startGroupActions` / `endGroupActions`). */
export interface RecoveryPlanAction {
  actionName: string;
  failoverTypes: string[];
  failoverDirections: string[];
  customDetails: RecoveryPlanActionDetails;
}
