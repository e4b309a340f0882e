import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { MachineTaskInput, MachineTaskResult } from '../../shared/recovery/plan/MachineTask';
import { recoveryActivityCalls } from './recoveryActivityCalls';

/** Name of the per-machine sub-orchestration. */
export const RECOVER_MACHINE = 'recoverMachine';

/** Transient failures (storage throttling, a busy lease) are retried; expected ones come back as values. */
export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 4);
  retry.backoffCoefficient = 2;
  return retry;
}

/**
 * One machine of a group, in three hops through the task hub: begin (choose the recovery point,
 * draining first for Latest, and where the machine goes), materialise every disk in parallel,
 * then bring the machine up (create with its mapped network, size and IP, start, check). Cleanup,
 * commit and cancel take one hop. The activities record the task's progress and failures on
 * the job; this returns the outcome and never throws, so the group sees every machine's result.
 * Deterministic: I/O only through activities, no clock.
 */
export const recoverMachineOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext): Generator<Task, MachineTaskResult, any> {
  const input = context.df.getInput<MachineTaskInput>();
  const activities = recoveryActivityCalls(context, activityRetry());

  if (input.operation !== 'recover') {
    const settled = yield* activities.call('settleMachine', input);
    return settled.ok ? { ok: true } : { ok: false, error: settled.error };
  }

  const begun = yield* activities.call('beginMachine', input);
  if (!begun.ok) return { ok: false, error: begun.error };
  const { plan, chosen } = begun.value;

  const outcomes = yield* activities.callAll('materializeDisk', plan.disks.map((disk) => ({
    request: { source: disk, point: chosen.selectors[disk.disk], resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, tags: plan.spec.tags, hyperVGeneration: plan.spec.hyperVGeneration },
    jobId: input.jobId,
    wrappedKey: plan.encrypted ? input.wrappedKey : undefined,
  })));
  const disks = [];
  for (const d of outcomes) {
    if (!d.ok) {
      yield* activities.call('recordJob', {
        vaultKey: input.vaultKey, jobId: input.jobId, events: [{ type: 'taskFailed', taskId: input.taskId, at: context.df.currentUtcDateTime.toISOString(), error: d.error }],
      });
      return { ok: false, error: d.error };
    }
    disks.push(d.value);
  }

  const up = yield* activities.call('bringUpMachine', { task: input, plan, disks, pointDescription: chosen.description });
  return up.ok ? { ok: true, machine: up.value } : { ok: false, error: up.error };
};

/** Runs one machine sub-orchestration per task, all at once; yields their results in task order. */
export function* recoverMachines(context: OrchestrationContext, tasks: { input: MachineTaskInput; instanceId: string }[]): Generator<Task, MachineTaskResult[], unknown> {
  const machines = tasks.map((t) => context.df.callSubOrchestrator(RECOVER_MACHINE, t.input, t.instanceId));
  // The sub-orchestration returns a MachineTaskResult and never throws (see above).
  return (yield context.df.Task.all(machines)) as MachineTaskResult[];
}

df.app.orchestration(RECOVER_MACHINE, recoverMachineOrchestrator);
