import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { RecoveredMachineInfo } from '../../shared/automation/policy/buildRecoveryPlanContext';
import type { MaterializedDisk } from '../../shared/fabric';
import type { ChosenPoints } from '../../shared/replication/journal/choosePointSelectors';
import type { MachinePlan } from '../../shared/recovery/activities/createRecoveryActivities';
import type { MachineTaskInput, MachineTaskResult } from '../../shared/recovery/plan/MachineTask';
import type { StepOutcome } from '../../shared/recovery/plan/StepOutcome';

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
  const input = context.df.getInput() as MachineTaskInput;
  const retry = activityRetry();

  if (input.operation !== 'recover') {
    const settled = (yield context.df.callActivityWithRetry('settleMachine', retry, input)) as StepOutcome<string[]>;
    return settled.ok ? { ok: true } : { ok: false, error: settled.error };
  }

  const begun = (yield context.df.callActivityWithRetry('beginMachine', retry, input)) as StepOutcome<{ plan: MachinePlan; chosen: ChosenPoints }>;
  if (!begun.ok) return { ok: false, error: begun.error };
  const { plan, chosen } = begun.value;

  const copies = plan.disks.map((disk) => context.df.callActivityWithRetry('materializeDisk', retry, {
    request: { source: disk, point: chosen.selectors[disk.disk], resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, tags: plan.spec.tags, hyperVGeneration: plan.spec.hyperVGeneration },
    jobId: input.jobId,
    wrappedKey: plan.encrypted ? input.wrappedKey : undefined,
  }));
  const disks = (yield context.df.Task.all(copies)) as StepOutcome<MaterializedDisk>[];
  for (const d of disks) {
    if (!d.ok) {
      yield context.df.callActivityWithRetry('recordJob', retry, {
        vaultKey: input.vaultKey, jobId: input.jobId, events: [{ type: 'taskFailed', taskId: input.taskId, at: context.df.currentUtcDateTime.toISOString(), error: d.error }],
      });
      return { ok: false, error: d.error };
    }
  }

  const up = (yield context.df.callActivityWithRetry('bringUpMachine', retry, {
    task: input, plan, disks: disks.map((d) => (d as { value: MaterializedDisk }).value), pointDescription: chosen.description,
  })) as StepOutcome<RecoveredMachineInfo>;
  return up.ok ? { ok: true, machine: up.value } : { ok: false, error: up.error };
};

df.app.orchestration(RECOVER_MACHINE, recoverMachineOrchestrator);
