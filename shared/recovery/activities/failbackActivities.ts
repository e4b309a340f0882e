import type { FabricResource, TargetFabric } from '../../fabric';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import { vaultSegmentOf } from '../../replication';
import { JobRecorder } from '../jobs/JobRecorder';
import type { KeyWrapper } from '../jobs/KeyWrapper';
import type { MetadataStore } from '../../metadata';
import { RecoveryError } from '../plan/RecoveryError';
import { CANCELLED_ERROR } from '../plan/RecoveryEvents';
import type { ActivityInput, FailbackTaskInput, RecoveryActivityHandlers } from '../plan/RecoveryActivityMap';
import type { StepOutcome } from '../plan/StepOutcome';
import { toJobError } from '../plan/toJobError';
import { ServiceError } from '../../errors';
import type { FailbackDataPath, RecoveredDiskBlob } from './FailbackDataPath';

export interface FailbackActivityDeps {
  store: MetadataStore;
  fabric: TargetFabric;
  keys: KeyWrapper;
  failback: FailbackDataPath;
}

/** The scenarios whose machines are the workload in the recovery site (not a test's). */
const FAILOVER_SCENARIOS = ['PlannedFailover', 'UnplannedFailover'];

function itemSegments(vaultKey: string, itemId: string): ItemSegments {
  return { vault: vaultSegmentOf(vaultKey), item: itemId.split('/').filter(Boolean).pop()! };
}

/**
 * The machine that runs the item in the recovery site (made by its committed failover) and its
 * disks, found by the fabric's tags. A failback reads these disks; a reprotect removes them.
 */
export async function recoveredMachineOf(fabric: TargetFabric, item: ItemSegments): Promise<{ machine: FabricResource; disks: RecoveredDiskBlob[] }> {
  const resources = await fabric.listResources({ vault: item.vault, item: item.item });
  const machine = resources.find((r) => r.kind === 'machine' && FAILOVER_SCENARIOS.includes(r.tags.scenario));
  if (!machine) {
    throw new RecoveryError('RecoveredMachineNotFound', `no machine of ${item.item} runs in the recovery site: there is nothing to fail back from`, {
      possibleCauses: 'The failover\'s machine was deleted in the recovery site, or the item was never failed over.',
      recommendedAction: 'Look for the machine in the recovery resource group; without it, disable and re-enable protection of the item.',
    });
  }
  const disks = resources
    .filter((r) => r.kind === 'disk' && r.machineName === machine.machineName && r.resourceGroup === machine.resourceGroup)
    .map((r) => ({ diskId: r.name.startsWith(`${machine.machineName}-`) ? r.name.slice(machine.machineName.length + 1) : r.name, blobUrl: r.id }));
  return { machine, disks };
}

/** Bytes as an operator reads them. */
function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

/**
 * The failback's activities (issue 13): one round of a machine (ask the agent, prepare the
 * delta from the recovered disks, report bytes shipped), stop the recovery site's machine,
 * start the primary one, and undo a cancelled failback. Each records its task on the job and
 * is idempotent: asking again for the same round, stopping a stopped machine, starting a
 * running one change nothing.
 */
export function createFailbackActivities(deps: FailbackActivityDeps): Pick<RecoveryActivityHandlers, 'failbackRound' | 'failbackMachineStep' | 'rollBackFailback'> {
  const jobs = new JobRecorder(deps.store);

  async function step<T>(input: FailbackTaskInput, work: () => Promise<T>): Promise<StepOutcome<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      if (err instanceof ServiceError && err.retryable) throw err;
      const error = toJobError(err, input.item.name);
      if (error.code !== 'JobCancelled') await jobs.record(input.vaultKey, input.jobId, [{ type: 'taskFailed', taskId: input.taskId, at: new Date().toISOString(), error }]);
      return { ok: false, error };
    }
  }

  async function report(input: FailbackTaskInput, events: Parameters<JobRecorder['record']>[2]): Promise<void> {
    const r = await jobs.record(input.vaultKey, input.jobId, events);
    if (r.cancelRequested) throw new RecoveryError('JobCancelled', CANCELLED_ERROR.message, CANCELLED_ERROR);
  }

  return {
    async failbackRound(input: ActivityInput<'failbackRound'>) {
      return step(input, async () => {
        const item = itemSegments(input.vaultKey, input.item.itemId);
        const round = input.phase === 'sync' ? 'sync' as const : 'final' as const;
        const { disks } = await recoveredMachineOf(deps.fabric, item);
        if (input.first) {
          await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: new Date().toISOString(), description: `Asking the primary site's agent for a ${round} round` }]);
          await deps.failback.requestRound(item, {
            jobId: input.jobId, round, requestedAt: new Date().toISOString(), recoveredDisks: disks,
            ...(input.failback.recoveryVmCreationOption === 'CreateVmIfNotFound' ? { alternateLocation: input.failback.alternateLocation } : {}),
          });
        }
        const key = input.wrappedKey ? deps.keys.unwrap(input.wrappedKey, input.jobId) : undefined;
        try {
          const status = await deps.failback.advanceRound(item, { jobId: input.jobId, round, recoveredDisks: disks, ...(key ? { key } : {}) });
          if (status.failed) {
            throw new RecoveryError(status.failed.code, `${input.item.name}: ${status.failed.message}`, {
              possibleCauses: 'The primary site\'s agent could not apply the data, or the recovered disk could not be read.',
              recommendedAction: 'Look at the agent\'s output on the primary host (asr agent run), then retry the failback; the agent resumes where it stopped.',
            });
          }
          const details = { bytesShipped: status.bytesShipped, round };
          if (status.done) {
            await report(input, [{ type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(), description: `${round === 'sync' ? 'Synchronized' : 'Final changes synchronized'}: ${sizeOf(status.bytesShipped)} shipped`, customDetails: details }]);
          } else {
            await report(input, [{ type: 'taskProgress', taskId: input.taskId, description: status.description, customDetails: details }]);
          }
          return { done: status.done };
        } finally {
          key?.fill(0);
        }
      });
    },

    async failbackMachineStep(input: ActivityInput<'failbackMachineStep'>) {
      return step(input, async () => {
        const item = itemSegments(input.vaultKey, input.item.itemId);
        const startedAt = new Date().toISOString();
        let description: string;
        if (input.phase === 'shutdown') {
          const { machine } = await recoveredMachineOf(deps.fabric, item);
          const stopped = await deps.fabric.stopMachine({ resourceGroup: machine.resourceGroup, name: machine.machineName });
          description = `${stopped.name} in ${stopped.resourceGroup} is ${stopped.powerState}`;
        } else {
          // The primary site is reached through its agent only: the failback request it serves
          // ends with the start (the agent starts the machine, or records it where it cannot).
          await deps.failback.clear(item);
          description = `${input.item.name}: started in the primary site`;
        }
        await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: startedAt }, { type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(), description }]);
        return description;
      });
    },

    async rollBackFailback(input: ActivityInput<'rollBackFailback'>) {
      const done: string[] = [];
      for (const ref of input.items) {
        const item = itemSegments(input.vaultKey, ref.itemId);
        await deps.failback.clear(item);
        const found = await recoveredMachineOf(deps.fabric, item).catch(() => undefined);
        if (found) {
          const m = await deps.fabric.startMachine({ resourceGroup: found.machine.resourceGroup, name: found.machine.machineName });
          done.push(`${m.name} ${m.powerState}`);
        }
      }
      return done;
    },
  };
}

/**
 * The one-hop machine tasks of the failback cycle: commit (the failback request is withdrawn),
 * cancel (the recovery site's machine runs again), reprotect (a new forward epoch from the
 * shared disk, then the recovery site's machine and disks go). Returns what it did, in words.
 */
export async function settleFailbackMachine(deps: FailbackActivityDeps & { clearShutdown: (item: ItemSegments) => Promise<void> }, operation: 'commitFailback' | 'cancelFailback' | 'reprotect', input: { vaultKey: string; jobId: string; item: { itemId: string; name: string }; diskIds: string[] }): Promise<string[]> {
  const item = itemSegments(input.vaultKey, input.item.itemId);
  if (operation === 'commitFailback') {
    await deps.failback.clear(item);
    return [`${input.item.name}: failback committed`];
  }
  if (operation === 'cancelFailback') {
    await deps.failback.clear(item);
    const { machine } = await recoveredMachineOf(deps.fabric, item);
    const m = await deps.fabric.startMachine({ resourceGroup: machine.resourceGroup, name: machine.machineName });
    return [`${m.name} ${m.powerState} in the recovery site`];
  }
  const { epochs } = await deps.failback.startReprotectEpoch(item, { jobId: input.jobId, diskIds: input.diskIds, requestedAt: new Date().toISOString() });
  // The source replicates forward again: the commit's "replication ended" request goes.
  await deps.clearShutdown(item);
  const removed = (await deps.fabric.cleanup({ vault: item.vault, item: item.item })).deleted.map((r) => `${r.kind} ${r.name}`);
  return [`new epoch ${Object.entries(epochs).map(([d, e]) => `${d}:${e}`).join(', ')}`, ...removed.map((r) => `removed ${r}`)];
}
