/** A recovery plan action, as stored on the plan (`RecoveryPlanAction`). */
export interface PlanAction {
  actionName: string;
  failoverTypes: string[];
  failoverDirections: string[];
  customDetails:
    | { instanceType: 'AutomationRunbookActionDetails'; runbookId: string; timeout?: string; fabricLocation: string; [k: string]: unknown }
    | { instanceType: 'ManualActionDetails'; description?: string; [k: string]: unknown }
    | { instanceType: 'ScriptActionDetails'; path: string; timeout?: string; fabricLocation: string; [k: string]: unknown };
}

/** A protected item a job works on. */
export interface PlanItemRef {
  /** ARM id of the protected item. */
  itemId: string;
  /** Its name (last ARM segment). */
  name: string;
}

export interface PlanGroup {
  groupType: 'Shutdown' | 'Failover' | 'Boot';
  items: PlanItemRef[];
  startGroupActions: PlanAction[];
  endGroupActions: PlanAction[];
}

/**
 * What a job knows of its plan, taken when it starts: later edits of the plan do not change a
 * running job. Per-item operations use a one-group plan without actions.
 */
export interface PlanSnapshot {
  targetId: string;
  targetName: string;
  targetType: 'RecoveryPlan' | 'ProtectionEntity';
  groups: PlanGroup[];
}
