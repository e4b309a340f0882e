import type { AsrServiceErrorDetails } from './AsrJob';

/**
 * What a recovery activity returns: its value, or the error a job shows. Expected failures
 * travel as values because Durable Functions turns a thrown error into a bare message, losing
 * the code, causes and advice an operator needs; transient ones are still thrown, so that the
 * orchestrator's retry policy retries them.
 */
export type StepOutcome<T> = { ok: true; value: T } | { ok: false; error: AsrServiceErrorDetails };
