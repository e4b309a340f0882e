import type { AsrServiceErrorDetails } from './AsrJob';

/** Names of the external events recovery orchestrations wait for. */
export const RECOVERY_EVENTS = {
  /** `POST …/replicationJobs/{job}/resume`: a manual action is done. Payload {@link ResumeEvent}. */
  resume: 'Resume',
  /** `POST …/replicationJobs/{job}/cancel`. */
  cancel: 'Cancel',
  /** A test failover cleanup started: the waiting test failover job completes. */
  cleanupStarted: 'TestFailoverCleanupStarted',
} as const;

/** The event a runbook's callback raises for one task. */
export function runbookEventName(taskId: string): string {
  return `RunbookCompleted-${taskId}`;
}

export interface ResumeEvent {
  comments: string;
  resumedBy?: string;
}

/** Thrown inside an orchestration when the job was asked to cancel; the job ends Cancelled. */
export class JobCancelled extends Error {
  constructor() {
    super('the job was cancelled by an operator');
    this.name = 'JobCancelled';
  }
}

/** Thrown inside an orchestration when a step failed; carries the job error and the failing task. */
export class StepFailed extends Error {
  constructor(readonly error: AsrServiceErrorDetails, readonly taskId: string) {
    super(error.message);
    this.name = 'StepFailed';
  }
}

/** The job error of a cancelled job. */
export const CANCELLED_ERROR: AsrServiceErrorDetails = {
  code: 'JobCancelled',
  message: 'The job was cancelled by an operator before it finished.',
  possibleCauses: 'POST …/replicationJobs/{job}/cancel (asr job cancel).',
  recommendedAction: 'Clean up what the job created (test failover cleanup or cancel failover), then run the operation again.',
};
