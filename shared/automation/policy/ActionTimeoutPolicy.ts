/** What happens when an action's timeout passes with no outcome. */
export type ActionTimeoutBehaviour = 'Fail' | 'Continue';

/** Per action: how long to wait and what to do then. */
export interface ActionTimeoutPolicy {
  /** Seconds; 0 or absent = wait forever (manual actions' default). */
  timeoutSeconds?: number;
  onTimeout: ActionTimeoutBehaviour;
}

/** How an action ended, as the orchestrator records it on the task. */
export type ActionResolution =
  | { state: 'Succeeded'; output?: string }
  | { state: 'Failed'; errorCode: string; errorMessage: string; output?: string }
  /** Timed out but the policy says carry on: the task is marked `Skipped` with a warning. */
  | { state: 'TimedOutContinued'; errorCode: string; errorMessage: string };
