/** ASR's `customDetails` of a manual action's task (instanceType `ManualActionTaskDetails`). */
export interface ManualActionTaskDetails {
  instanceType: 'ManualActionTaskDetails';
  /** The action's name. */
  name: string;
  /** The action's description: what the operator must do. */
  instructions: string;
  /** The operator's comments from resume; empty until resumed. */
  observation: string;
  /** Our extension: who resumed (the caller's identity), for the job's report. */
  resumedBy?: string;
}

/** What `POST …/replicationJobs/{job}/resume` carries (`{properties:{comments}}`), as the event payload. */
export interface ManualActionResumed {
  comments: string;
  /** Who resumed (the caller's identity), for the audit trail. */
  resumedBy?: string;
  resumedAt: string;
}

/** ASR's `customDetails` of a runbook action's task (instanceType `AutomationRunbookTaskDetails`). */
export interface AutomationRunbookTaskDetails {
  instanceType: 'AutomationRunbookTaskDetails';
  name: string;
  runbookId: string;
  runbookName: string;
  /** Our id of this invocation (the callback token's id). */
  jobId: string;
  jobOutput: string;
  isPrimarySideScript: boolean;
}
