import type { OrchestrationContext, RetryOptions, Task } from 'durable-functions';
import type { ActivityInput, ActivityOutput, RecoveryActivityName } from '../../shared/recovery/plan/RecoveryActivityMap';

/**
 * Recovery activities as an orchestrator calls them: by a name of `RecoveryActivityMap`, with
 * that activity's input, yielding its output, so a wrong name or input shape does not compile.
 * Use with `yield*`. Deterministic: it only schedules tasks on the orchestration's context.
 */
export interface RecoveryActivityCalls {
  /** Schedules one activity (with the retry policy) and yields its output. */
  call<N extends RecoveryActivityName>(name: N, input: ActivityInput<N>): Generator<Task, ActivityOutput<N>, unknown>;
  /** Schedules one activity per input, all at once, and yields their outputs in input order. */
  callAll<N extends RecoveryActivityName>(name: N, inputs: ActivityInput<N>[]): Generator<Task, ActivityOutput<N>[], unknown>;
}

export function recoveryActivityCalls(context: OrchestrationContext, retry: RetryOptions): RecoveryActivityCalls {
  return {
    *call<N extends RecoveryActivityName>(name: N, input: ActivityInput<N>): Generator<Task, ActivityOutput<N>, unknown> {
      // The one place the map's output type meets the task hub, which hands the value back JSON-decoded.
      return (yield context.df.callActivityWithRetry(name, retry, input)) as ActivityOutput<N>;
    },
    *callAll<N extends RecoveryActivityName>(name: N, inputs: ActivityInput<N>[]): Generator<Task, ActivityOutput<N>[], unknown> {
      return (yield context.df.Task.all(inputs.map((input) => context.df.callActivityWithRetry(name, retry, input)))) as ActivityOutput<N>[];
    },
  };
}
