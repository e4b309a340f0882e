import type { AsrServiceErrorDetails } from './AsrJob';

/**
 * What happened in a job, as the orchestrator and the API report it. Every event carries its
 * time (the orchestrator's replay-safe clock), so applying one twice changes nothing.
 */
export type JobEvent =
  | { type: 'jobStarted'; at: string }
  | { type: 'taskStarted'; taskId: string; at: string; description?: string }
  | { type: 'taskProgress'; taskId: string; description: string; customDetails?: Record<string, unknown> }
  | { type: 'taskSucceeded'; taskId: string; at: string; description?: string; customDetails?: Record<string, unknown> }
  | { type: 'taskFailed'; taskId: string; at: string; error: AsrServiceErrorDetails; customDetails?: Record<string, unknown> }
  | { type: 'taskSkipped'; taskId: string; at: string; description: string }
  /** The task waits for an operator (manual action, test failover); the job is Suspended. */
  | { type: 'taskSuspended'; taskId: string; at: string; description: string; jobDescription: string; allowedActions: string[] }
  | { type: 'jobResumed'; at: string }
  | { type: 'jobSucceeded'; at: string }
  | { type: 'jobFailed'; at: string; error: AsrServiceErrorDetails; taskId?: string }
  | { type: 'jobCancelled'; at: string; error: AsrServiceErrorDetails }
  | { type: 'cancelRequested'; at: string };
