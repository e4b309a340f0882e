import type { AsrServiceErrorDetails } from './AsrJob';
import { StepFailed } from './RecoveryEvents';
import { toJobError } from './toJobError';

/**
 * The error a failed job shows, from what its orchestration threw: a failed step carries its own
 * error and task; anything else thrown in the orchestration itself is an internal error with its
 * message, whatever its type (so a typed error thrown there, such as an action's unreadable
 * timeout, reports as InternalError, as it did before the orchestrator was thinned).
 */
export function jobFailureOf(err: unknown): { error: AsrServiceErrorDetails; taskId?: string } {
  if (err instanceof StepFailed) return { error: err.error, taskId: err.taskId };
  return { error: toJobError(err instanceof Error ? err.message : err) };
}
