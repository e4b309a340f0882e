import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { MachineTaskInput, MachineTaskResult } from '../../shared/recovery/plan/MachineTask';
import type { ActivityOutput, RecoveryActivityName } from '../../shared/recovery/plan/RecoveryActivityMap';

/** Transient failures (storage throttling, a busy lease) are retried; expected ones come back as values. */
export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 4);
  retry.backoffCoefficient = 2;
  return retry;
}

/**
 * Runs one activity per machine of a group, all at once, and yields their results in task
 * order: `recoverMachine` (begin, disks in parallel, bring-up) for a failover, `settleMachine`
 * for cleanup, commit and cancel. One hop through the task hub per machine (issue 17: a
 * sub-orchestration of three activities made four, each a queue round trip and a replay). The
 * activities record the task's progress and failures on the job and return the outcome
 * without throwing, so the group sees every machine's result. Deterministic: it only
 * schedules activities.
 */
export function* recoverMachines(context: OrchestrationContext, tasks: MachineTaskInput[]): Generator<Task, MachineTaskResult[], unknown> {
  const retry = activityRetry();
  const nameOf = (t: MachineTaskInput): RecoveryActivityName => (t.operation === 'recover' ? 'recoverMachine' : 'settleMachine');
  // The task hub hands results back JSON-decoded; each is its activity's output in the map.
  const outs = (yield context.df.Task.all(tasks.map((t) => context.df.callActivityWithRetry(nameOf(t), retry, t)))) as unknown[];
  return outs.map((out, i) => {
    if (tasks[i].operation === 'recover') return out as ActivityOutput<'recoverMachine'>;
    const settled = out as ActivityOutput<'settleMachine'>;
    return settled.ok ? { ok: true } : { ok: false, error: settled.error };
  });
}
