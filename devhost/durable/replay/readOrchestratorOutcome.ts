import { hostFailureDetails } from '../history/FailureDetails';
import { OrchestratorState } from '../actions/OrchestratorState';
import { OrchestratorOutcome } from './decideEpisode';

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** Reads the orchestrator function's return value (an OrchestratorState). */
export function outcomeFromResult(value: unknown): OrchestratorOutcome {
  const state = (typeof value === 'string' ? JSON.parse(value) : value) as OrchestratorState | undefined;
  if (!state || !Array.isArray(state.actions)) {
    return { state: { isDone: false, actions: [[]] }, failure: 'The orchestrator returned no orchestration state: is it registered with df.app.orchestration?' };
  }
  return { state };
}

/**
 * Reads a thrown orchestrator error: the library appends `$OutOfProcData$:` and the state JSON
 * to the user's message; the instance fails with the message and the state's actions are kept.
 */
export function outcomeFromError(functionName: string, error: unknown): OrchestratorOutcome {
  const text = error instanceof Error ? error.message : String(error);
  const at = text.indexOf(OUT_OF_PROC_LABEL);
  let state: OrchestratorState = { isDone: false, actions: [[]] };
  if (at >= 0) {
    try { state = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState; } catch { /* keep the empty state */ }
  }
  // The library puts a flag, not the user's message, before the label (durable-functions
  // 3.5.0 passes `orchestratorReturned`); the message is the state's `error`.
  const message = state.error ?? (at >= 0 ? text.slice(0, at) : text);
  // The extension hands the parent of a failed sub-orchestration the child's failure: the
  // TaskFailedError it did not catch, else an error with the child's message.
  const failureDetails = state.failureDetails ?? hostFailureDetails('Error', message);
  return { state, failure: `Orchestrator function '${functionName}' failed: ${message}`, failureDetails };
}
