import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { FabricMachine, MachineCheck, MaterializedDisk } from '../../shared/fabric';
import type { AsrServiceErrorDetails } from '../../shared/recovery/AsrJob';
import type { ChosenPoints } from '../../shared/recovery/choosePointSelectors';
import type { MachinePlan } from '../../shared/recovery/createRecoveryActivities';
import type { JobEvent } from '../../shared/recovery/JobEvent';
import type { RecordedJob } from '../../shared/recovery/JobRecorder';
import type { MachineTaskInput, MachineTaskResult } from '../../shared/recovery/MachineTask';
import { CANCELLED_ERROR, JobCancelled, StepFailed } from '../../shared/recovery/RecoveryEvents';
import type { StepOutcome } from '../../shared/recovery/StepOutcome';

/** Name of the per-machine sub-orchestration. */
export const RECOVER_MACHINE = 'recoverMachine';

/** Transient failures (storage throttling, a busy lease) are retried; expected ones come back as values. */
export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 4);
  retry.backoffCoefficient = 2;
  return retry;
}

/**
 * One machine of a group: choose the recovery point (draining first for Latest), materialise
 * each disk in parallel, create the machine in the target fabric with its mapped network, size
 * and IP, start it and check it; or, for cleanup and cancel, remove what a job created. Never
 * throws: the group collects every machine's outcome. Deterministic: time only from
 * `currentUtcDateTime`, I/O only through activities.
 */
export const recoverMachineOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext): Generator<Task, MachineTaskResult, any> {
  const input = context.df.getInput() as MachineTaskInput;
  const retry = activityRetry();
  const at = () => context.df.currentUtcDateTime.toISOString();
  const task = input.taskId;

  function* record(events: JobEvent[]): Generator<Task, RecordedJob, any> {
    const r = (yield context.df.callActivityWithRetry('recordJob', retry, { vaultKey: input.vaultKey, jobId: input.jobId, events })) as RecordedJob;
    if (r.cancelRequested) throw new JobCancelled();
    return r;
  }
  function* step<T>(name: string, activityInput: unknown): Generator<Task, T, any> {
    const out = (yield context.df.callActivityWithRetry(name, retry, activityInput)) as StepOutcome<T>;
    if (!out.ok) throw new StepFailed(out.error, task);
    return out.value;
  }

  try {
    yield* record([{ type: 'taskStarted', taskId: task, at: at() }]);
    if (input.operation !== 'recover') {
      if (input.operation === 'commit') {
        yield* record([{ type: 'taskSucceeded', taskId: task, at: at(), description: `${input.item.name}: failover committed` }]);
        return { ok: true };
      }
      const removed = yield* step<string[]>('removeMachines', { vaultKey: input.vaultKey, jobId: input.previousJobId ?? input.jobId, item: input.item });
      yield* record([{ type: 'taskSucceeded', taskId: task, at: at(), description: removed.length ? `Removed ${removed.join(', ')}` : 'Nothing to remove', customDetails: { removed } }]);
      return { ok: true };
    }

    const plan = yield* step<MachinePlan>('prepareMachine', {
      vaultKey: input.vaultKey, jobId: input.jobId, scenario: input.scenario, planName: input.planName, item: input.item, testNetworkId: input.testNetworkId,
    });
    yield* record([{ type: 'taskProgress', taskId: task, description: input.point.kind === 'Latest' ? 'Draining pending logs and choosing the recovery point' : 'Choosing the recovery point' }]);
    const chosen = yield* step<ChosenPoints>('chooseRecoveryPoint', { disks: plan.disks, choice: input.point, finals: input.finals });
    yield* record([{ type: 'taskProgress', taskId: task, description: `Materialising ${plan.disks.length} disk(s) from ${chosen.description}` }]);

    const copies = plan.disks.map((disk) => context.df.callActivityWithRetry('materializeDisk', retry, {
      request: { source: disk, point: chosen.selectors[disk.disk], resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, tags: plan.spec.tags },
      jobId: input.jobId,
      wrappedKey: plan.encrypted ? input.wrappedKey : undefined,
    }));
    const disks = (yield context.df.Task.all(copies)) as StepOutcome<MaterializedDisk>[];
    const failedCopy = disks.find((d) => !d.ok);
    if (failedCopy && !failedCopy.ok) throw new StepFailed(failedCopy.error, task);
    const materialized = disks.map((d) => (d as { value: MaterializedDisk }).value);

    yield* record([{ type: 'taskProgress', taskId: task, description: `Creating ${plan.ref.name} (${plan.spec.size})` }]);
    yield* step<FabricMachine>('createMachine', { ...plan.spec, disks: materialized });
    yield* record([{ type: 'taskProgress', taskId: task, description: `Starting ${plan.ref.name}` }]);
    const started = yield* step<FabricMachine>('startMachine', plan.ref);
    const check = yield* step<MachineCheck>('checkMachine', plan.ref);
    const ips = started.nics.map((n) => n.privateIp ?? n.staticIp).filter((ip): ip is string => !!ip);
    const first = materialized[0];
    const machine = {
      item: input.item.itemId, resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, ips,
      recoveryPointId: first?.baseRecoveryPointId ?? '', recoveryPointTime: first?.pointTime ?? '',
    };
    yield* record([{
      type: 'taskSucceeded', taskId: task, at: at(),
      description: `${plan.ref.name} is running (${ips.join(', ') || 'no IP'}), recovered from ${chosen.description}`,
      customDetails: { machineName: plan.ref.name, resourceGroup: plan.ref.resourceGroup, ipAddresses: ips, checks: check.checks, disks: materialized.map((d) => ({ name: d.name, sequence: d.sequence, pointTime: d.pointTime, digest: d.expectedDigest })) },
    }]);
    return { ok: true, machine };
  } catch (err) {
    const error: AsrServiceErrorDetails = err instanceof JobCancelled
      ? CANCELLED_ERROR
      : err instanceof StepFailed
        ? err.error
        : { code: 'InternalError', message: `${input.item.name}: ${err instanceof Error ? err.message : String(err)}`, possibleCauses: 'An unexpected failure in the service.', recommendedAction: 'Restart the job.' };
    if (!(err instanceof JobCancelled)) {
      // Not `record`: a failure report must land even when a cancel arrived meanwhile.
      yield context.df.callActivityWithRetry('recordJob', retry, { vaultKey: input.vaultKey, jobId: input.jobId, events: [{ type: 'taskFailed', taskId: task, at: at(), error }] });
    }
    return { ok: false, error };
  }
};

df.app.orchestration(RECOVER_MACHINE, recoverMachineOrchestrator);
