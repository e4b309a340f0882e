import type { RecoveredMachineInfo } from '../../automation/policy/buildRecoveryPlanContext';
import type { FabricTags, MachineRef, MachineSpec, MaterializedDisk, TargetFabric } from '../../fabric';
import type { MaterializeDiskRequest } from '../plan/MaterializeDiskRequest';
import { materializeTargetDisk } from './materializeTargetDisk';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { drainUpTo, vaultSegmentOf, type DiskRef, type ReplicationDeps } from '../../replication';
import { recordScenarioEnded, recordScenarioSucceeded } from '../../protection';
import { createFailbackActivities, recoveredMachineOf, settleFailbackMachine } from './failbackActivities';
import { startReverseReplication } from './startReverseReplication';
import { isFailover } from '../plan/RecoveryScenario';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import { ServiceError } from '../../errors';
import { assertKeyFits } from '../../crypto';
import type { ScenarioOutcome } from '../plan/allowedOperations';
import { choosePointSelectors, type ChosenPoints } from '../../replication/journal/choosePointSelectors';
import { finalLogOf } from '../../replication/journal/finalLogOf';
import type { JobEvent } from '../plan/JobEvent';
import { JobRecorder } from '../jobs/JobRecorder';
import type { KeyWrapper } from '../jobs/KeyWrapper';
import { RecoveryError } from '../plan/RecoveryError';
import type { MachineTaskInput } from '../plan/MachineTask';
import { CANCELLED_ERROR } from '../plan/RecoveryEvents';
import type { ActivityInput, MachinePlan, MaterializeDiskInput, RecordedJob, RecoveryActivityHandlers } from '../plan/RecoveryActivityMap';
import type { RunbookStarter } from '../../automation/RunbookStarter';
import { ScenarioLock } from '../jobs/ScenarioLock';
import { loadNetworkMappings, needsNetworkMappings, resolveRecoveryNics, type NetworkMappingEntry } from '../plan/resolveRecoveryNics';
import type { SourceShutdownRequests } from '../../contracts/SourceShutdownRequests';
import type { StepOutcome } from '../plan/StepOutcome';
import { toJobError } from '../plan/toJobError';
import { machineOsOf } from '../plan/machineOsOf';
import { DEFAULT_RECOVERY_RESOURCE_GROUP } from '../../config/recoveryResourceGroup';
import { targetChecksOf } from '../plan/targetChecksOf';

/** Everything the recovery activities talk to; real in tests (Azurite, Cosmos DB, the local fabric). */
export interface RecoveryDeps {
  store: MetadataStore;
  replication: ReplicationDeps;
  fabric: TargetFabric;
  keys: KeyWrapper;
  shutdowns: SourceShutdownRequests;
  runbooks: RunbookStarter;
}

function last(id: string | undefined): string | undefined {
  return id?.split('/').filter(Boolean).pop();
}

async function loadItem(store: MetadataStore, vaultKey: string, itemId: string): Promise<ResourceDocument<ProtectedItemProperties>> {
  const doc = await store.getResource<ProtectedItemProperties>(vaultKey, documentIdOfArmId(itemId));
  if (!doc) {
    throw new RecoveryError('ProtectedItemNotFound', `protected item ${last(itemId)} no longer exists`, {
      possibleCauses: 'Protection was disabled after the job started.', recommendedAction: 'Remove the item from the recovery plan and retry.',
    });
  }
  return doc;
}

/** Where a test failover puts every NIC (its test network, if it names one); undefined for the other scenarios. */
function testNetworkOf(input: { scenario?: string; testNetworkId?: string }): { testNetworkId?: string } | undefined {
  return input.scenario === 'TestFailover' ? { testNetworkId: input.testNetworkId } : undefined;
}

/** Runs `work`; expected failures become a job error value, transient ones are thrown for the retry policy. */
async function outcome<T>(work: () => Promise<T>, context?: string): Promise<StepOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof ServiceError && err.retryable) throw err;
    return { ok: false, error: toJobError(err, context) };
  }
}

/**
 * The recovery activities, built over injected dependencies (each testable alone). All are
 * idempotent, since Durable Functions may run an activity twice: job events carry their own
 * times, fabric operations are idempotent by name, the scenario lock's writes are conditional.
 */
export function createRecoveryActivities(deps: RecoveryDeps): RecoveryActivityHandlers {
  const jobs = new JobRecorder(deps.store);
  const lock = new ScenarioLock(deps.store);
  /** The resource group the item's machine is recovered in: its own, recorded at protection (older items: the default). */
  const recoveryGroupOf = (item: ResourceDocument<ProtectedItemProperties>): string =>
    last(item.properties.providerSpecificDetails.recoveryAzureResourceGroupId) ?? DEFAULT_RECOVERY_RESOURCE_GROUP;
  const diskRefs = (vaultKey: string, item: ResourceDocument<ProtectedItemProperties>): DiskRef[] =>
    item.properties.providerSpecificDetails.disks.map((d) => ({ vault: vaultSegmentOf(vaultKey), item: item.name, disk: d.diskId }));

  /** Target name, size, network and IP of one machine, from the item's settings. */
  async function prepare(input: MachineTaskInput): Promise<MachinePlan> {
    const item = await loadItem(deps.store, input.vaultKey, input.item.itemId);
    const d = item.properties.providerSpecificDetails;
    const test = input.scenario === 'TestFailover';
    const recoveryName = d.recoveryAzureVmName ?? item.name;
    const ref: MachineRef = { resourceGroup: recoveryGroupOf(item), name: test ? `${recoveryName}-test` : recoveryName };
    const network = testNetworkOf(input);
    const mappings = needsNetworkMappings(item.properties, network) ? await loadNetworkMappings(deps.store, input.vaultKey) : [];
    const nics = resolveRecoveryNics(item, mappings, network);
    const tags: FabricTags = { vault: vaultSegmentOf(input.vaultKey), job: input.jobId, item: item.name, scenario: input.scenario, ...(input.planName ? { plan: input.planName } : {}) };
    return {
      ref,
      recoveryName,
      encrypted: d.encryption === 'Enabled' || !!d.encryptionKeyFingerprint,
      disks: diskRefs(input.vaultKey, item),
      spec: {
        ...ref,
        size: d.recoveryAzureVMSize ?? 'Standard_D2s_v3', // offers Generation 1 and 2
        ...machineOsOf(d),
        nics,
        testNetwork: test,
        tags,
        // A fabric that boots the machine (qemu) runs them in checkMachine; a failed one fails the start step.
        // A drill verifying less than the application (disks or boot only) leaves them out.
        ...(d.applicationProbes?.length && (input.probeLevel ?? 'ApplicationProbes') === 'ApplicationProbes' ? { probes: d.applicationProbes } : {}),
      },
    };
  }

  /** A machine task's events: beside the job under its group (folded in when the group ends), else on the job. */
  function recordTask(input: MachineTaskInput, events: JobEvent[]): Promise<RecordedJob> {
    return input.groupTaskId
      ? jobs.recordTask(input.vaultKey, input.jobId, input.groupTaskId, input.taskId, events)
      : jobs.record(input.vaultKey, input.jobId, events);
  }

  /** Records job events for a machine task; a job asked to cancel stops the task here. */
  async function report(input: MachineTaskInput, events: JobEvent[]): Promise<void> {
    const r = await recordTask(input, events);
    if (r.cancelRequested) throw new RecoveryError('JobCancelled', CANCELLED_ERROR.message, CANCELLED_ERROR);
  }

  /**
   * Runs one hop of a machine task: an expected failure is recorded on the task (with the
   * error's code and advice) and returned as a value; a cancel request surfaces as `JobCancelled`.
   */
  async function machineStep<T>(input: MachineTaskInput, work: () => Promise<T>): Promise<StepOutcome<T>> {
    const result = await outcome(work, input.item.name);
    if (!result.ok && result.error.code !== 'JobCancelled') {
      await recordTask(input, [{ type: 'taskFailed', taskId: input.taskId, at: new Date().toISOString(), error: result.error }]);
    }
    return result;
  }

  /**
   * A machine task's first step: mark it started, work out where the machine goes (target name,
   * size, network and IP from the item; test failovers go to the test network with a `-test`
   * suffix) and resolve the recovery point per disk (draining first for Latest). Failures are
   * recorded on the task here.
   */
  async function beginMachine(input: MachineTaskInput): Promise<StepOutcome<{ plan: MachinePlan; chosen: ChosenPoints }>> {
    const startedAt = new Date().toISOString();
    return machineStep(input, async () => {
      if (input.previousJobId) {
        // A retried failover: the failed attempt's machine and disks go first, or the new ones would clash with them.
        await deps.fabric.cleanup({ vault: vaultSegmentOf(input.vaultKey), job: input.previousJobId, item: last(input.item.itemId)! });
      }
      const plan = await prepare(input);
      // ASR's Latest: merge the pending logs first, then the newest merged log is the point.
      if (!input.finals && input.point.kind === 'Latest') for (const d of plan.disks) await drainUpTo(deps.replication, d);
      const chosen = await choosePointSelectors(deps.replication, plan.disks, input.point, input.finals);
      // One write for start and progress: every machine of a group updates the same job document.
      await report(input, [
        { type: 'taskStarted', taskId: input.taskId, at: startedAt },
        { type: 'taskProgress', taskId: input.taskId, description: `Materialising ${plan.disks.length} disk(s) from ${chosen.description}` },
      ]);
      return { plan, chosen };
    });
  }

  /** One disk. The key is opened here, used for this disk and dropped: it never enters a return value or a log. */
  async function materializeDisk(input: MaterializeDiskInput): Promise<StepOutcome<MaterializedDisk>> {
    return outcome(async () => {
      const key = input.wrappedKey ? deps.keys.unwrap(input.wrappedKey, input.jobId) : undefined;
      return materializeTargetDisk(deps, { ...input.request, ...(key ? { key } : {}) });
    }, `disk ${input.request.source.disk} of ${input.request.source.item}`);
  }

  /** A machine task's last step: create the machine with its disks, start it, check it, and mark the task done. */
  async function bringUpMachine(task: MachineTaskInput, plan: MachinePlan, disks: MaterializedDisk[], pointDescription: string): Promise<StepOutcome<RecoveredMachineInfo>> {
    return machineStep(task, async () => {
      await deps.fabric.createMachine({ ...plan.spec, disks });
      const started = await deps.fabric.startMachine(plan.ref);
      const check = await deps.fabric.checkMachine(plan.ref);
      if (!check.healthy) {
        // What the probes saw stays on the task for the job's report, although the task fails.
        if (check.probes?.length) await report(task, [{ type: 'taskProgress', taskId: task.taskId, description: `${plan.ref.name} failed its checks`, customDetails: { machineName: plan.ref.name, checks: check.checks, probes: check.probes } }]);
        const failed = check.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ');
        // Every check on the task, passed ones too: a drill's record names the machine and the probe that failed.
        await report(task, [{ type: 'taskProgress', taskId: task.taskId, description: `${plan.ref.name} failed its checks`, customDetails: { machineName: plan.ref.name, checks: check.checks } }]);
        throw new RecoveryError('MachineUnhealthy', `${plan.ref.name} is ${check.powerState} and failed its checks: ${failed}`, {
          possibleCauses: 'The recovered disks or the machine are not sound.', recommendedAction: 'Look at the machine in the target, then fail over from another point.',
        });
      }
      const ips = started.nics.map((n) => n.privateIp ?? n.staticIp).filter((ip): ip is string => !!ip);
      await report(task, [{
        type: 'taskSucceeded', taskId: task.taskId, at: new Date().toISOString(),
        description: `${plan.ref.name} is running (${ips.join(', ') || 'no IP'}), recovered from ${pointDescription}`,
        customDetails: { machineName: plan.ref.name, resourceGroup: plan.ref.resourceGroup, ipAddresses: ips, checks: check.checks, ...(check.probes?.length ? { probes: check.probes } : {}), disks: disks.map((d) => ({ name: d.name, sequence: d.sequence, pointTime: d.pointTime, digest: d.expectedDigest })) },
      }]);
      return {
        item: task.item.itemId, resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, ips,
        recoveryPointId: disks[0]?.baseRecoveryPointId ?? '', recoveryPointTime: disks[0]?.pointTime ?? '',
      };
    });
  }

  return {
    async recordJob(input: ActivityInput<'recordJob'>) {
      return jobs.record(input.vaultKey, input.jobId, input.events, { foldGroup: input.foldGroup });
    },

    /**
     * The items exist and have disks; every NIC of every item resolves to a target network (so a
     * missing mapping fails here, before any machine is made); an encrypted item has a key, and
     * it is the right one; the fabric finds each recovery group and subnet and may create there
     * (Azure: TargetResourceGroupNotFound, TargetSubnetNotFound, TargetPermissionMissing).
     * `scenario` absent (older jobs) = no network or target check.
     */
    async checkPrerequisites(input: ActivityInput<'checkPrerequisites'>) {
      return outcome(async () => {
        const key = input.wrappedKey ? deps.keys.unwrap(input.wrappedKey, input.jobId) : undefined;
        const bringsUpMachines = input.scenario !== undefined && isFailover(input.scenario);
        const network = testNetworkOf(input);
        let mappings: NetworkMappingEntry[] | undefined; // read once, by the first item that can use them
        const machines: { resourceGroup: string; nics: MachineSpec['nics'] }[] = [];
        for (const ref of input.items) {
          const item = await loadItem(deps.store, input.vaultKey, ref.itemId);
          const d = item.properties.providerSpecificDetails;
          if (!input.needsDisks) continue;
          if (input.scenario === 'Failback') await recoveredMachineOf(deps.fabric, { vault: vaultSegmentOf(input.vaultKey), item: item.name });
          if (bringsUpMachines) {
            if (!mappings && needsNetworkMappings(item.properties, network)) mappings = await loadNetworkMappings(deps.store, input.vaultKey);
            const nics = resolveRecoveryNics(item, mappings ?? [], network);
            machines.push({ resourceGroup: recoveryGroupOf(item), nics });
          }
          if (d.disks.length === 0) {
            throw new RecoveryError('NoProtectedDisks', `${item.name} has no protected disks`, { possibleCauses: 'Protection was enabled without disks.', recommendedAction: 'Enable protection again with its disks.' });
          }
          if (d.encryption === 'Enabled' || d.encryptionKeyFingerprint) {
            assertKeyFits({ name: item.name, fingerprint: d.encryptionKeyFingerprint, encrypted: true, keyRequired: true }, key);
          }
        }
        const targets = targetChecksOf(machines);
        for (const target of targets) await deps.fabric.checkTarget(target);
        const checked = targets.length > 0 ? `; target ${targets.map((t) => `${t.resourceGroup} (${t.subnetIds.length} subnet(s))`).join(', ')} checked` : '';
        return `${input.items.length} protected item(s) ready${checked}`;
      });
    },

    async requestShutdown(input: ActivityInput<'requestShutdown'>) {
      for (const ref of input.items) {
        await deps.shutdowns.request({ vault: vaultSegmentOf(input.vaultKey), item: last(ref.itemId)! }, { jobId: input.jobId, requestedAt: input.at, shipFinalLog: input.shipFinalLog });
      }
    },

    /** Merges what arrived and reports which items' final logs are in. */
    async pollFinalLogs(input: ActivityInput<'pollFinalLogs'>) {
      const finals: Record<string, Record<string, { epoch: string; sequence: string }>> = {};
      const waiting: string[] = [];
      for (const ref of input.items) {
        const item = await loadItem(deps.store, input.vaultKey, ref.itemId);
        const perDisk: Record<string, { epoch: string; sequence: string }> = {};
        for (const disk of diskRefs(input.vaultKey, item)) {
          // Merge what is pending first: the final log is the newest merged one, if it came.
          const f = await drainUpTo(deps.replication, disk).then((merged) => finalLogOf(deps.replication, disk, merged.lastAppliedSequence)).catch((err) => {
            if (err instanceof ServiceError && (err.code === 'DrainIncomplete' || err.code === 'ReplicaNotFound')) return undefined;
            throw err;
          });
          if (f) perDisk[disk.disk] = f;
          else waiting.push(`${item.name}/${disk.disk}`);
        }
        finals[ref.itemId] = perDisk;
      }
      return { finals, waiting };
    },

    async clearShutdownRequests(input: ActivityInput<'clearShutdownRequests'>) {
      for (const ref of input.items) await deps.shutdowns.clear({ vault: vaultSegmentOf(input.vaultKey), item: last(ref.itemId)! });
    },

    /**
     * One machine of a failover in one activity (issue 17: each hop through the task hub is a
     * queue round trip, and a sub-orchestration with three activities made four of them per
     * machine): begin, materialise every disk in parallel, bring the machine up. Idempotent as
     * its steps are (events carry their times, fabric operations go by name), so a retry or a
     * host that died midway runs it again whole. Never throws an expected failure: it is on the
     * task and returned, so the group sees every machine's result; transient errors are thrown
     * for the retry policy.
     */
    async recoverMachine(input: ActivityInput<'recoverMachine'>) {
      const begun = await beginMachine(input);
      if (!begun.ok) return { ok: false, error: begun.error };
      const { plan, chosen } = begun.value;
      const settled = await Promise.allSettled(plan.disks.map((disk) => materializeDisk({
        request: { source: disk, point: chosen.selectors[disk.disk], resourceGroup: plan.ref.resourceGroup, machineName: plan.ref.name, tags: plan.spec.tags, hyperVGeneration: plan.spec.hyperVGeneration },
        jobId: input.jobId,
        wrappedKey: plan.encrypted ? input.wrappedKey : undefined,
      })));
      const thrown = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (thrown) throw thrown.reason;
      const disks: MaterializedDisk[] = [];
      for (const r of settled as PromiseFulfilledResult<StepOutcome<MaterializedDisk>>[]) {
        if (!r.value.ok) {
          await recordTask(input, [{ type: 'taskFailed', taskId: input.taskId, at: new Date().toISOString(), error: r.value.error }]);
          return { ok: false, error: r.value.error };
        }
        disks.push(r.value.value);
      }
      const up = await bringUpMachine(input, plan, disks, chosen.description);
      return up.ok ? { ok: true, machine: up.value } : { ok: false, error: up.error };
    },

    /** Cleanup, commit and cancel of one machine, in one hop: remove what the earlier job made (or nothing, for commit). */
    async settleMachine(input: ActivityInput<'settleMachine'>) {
      const startedAt = new Date().toISOString();
      const op = input.operation;
      if (op === 'reverseReprotect') {
        return machineStep(input, async () => {
          const item = await loadItem(deps.store, input.vaultKey, input.item.itemId);
          const done = await startReverseReplication(deps, { vaultKey: input.vaultKey, jobId: input.jobId, doc: item, wrappedKey: input.wrappedKey });
          await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: startedAt }, { type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(), description: done.join('; '), customDetails: { done } }]);
          return done;
        });
      }
      if (op === 'commitFailback' || op === 'cancelFailback' || op === 'reprotect') {
        return machineStep(input, async () => {
          const item = await loadItem(deps.store, input.vaultKey, input.item.itemId);
          const done = await settleFailbackMachine({ ...deps, clearShutdown: (i) => deps.shutdowns.clear(i) }, op, { vaultKey: input.vaultKey, jobId: input.jobId, doc: item });
          await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: startedAt }, { type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(), description: done.join('; '), customDetails: { done } }]);
          return done;
        });
      }
      return machineStep(input, async () => {
        const removed = input.operation === 'commit'
          ? []
          : (await deps.fabric.cleanup({ vault: vaultSegmentOf(input.vaultKey), job: input.previousJobId ?? input.jobId, item: last(input.item.itemId)! })).deleted.map((r) => `${r.kind} ${r.name}`);
        await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: startedAt }, {
          type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(),
          description: input.operation === 'commit' ? `${input.item.name}: failover committed` : removed.length ? `Removed ${removed.join(', ')}` : 'Nothing to remove',
          customDetails: { removed },
        }]);
        return removed;
      });
    },

    /**
     * A cancelled failover job undoes itself: the machines and disks it made go (by the job's
     * tag, so a retry finds nothing left) and its shutdown requests are withdrawn, so the source
     * may go on replicating. Returns what was removed.
     */
    async rollBackFailover(input: ActivityInput<'rollBackFailover'>) {
      const removed: string[] = [];
      for (const ref of input.items) {
        const where = { vault: vaultSegmentOf(input.vaultKey), item: last(ref.itemId)! };
        removed.push(...(await deps.fabric.cleanup({ ...where, job: input.jobId })).deleted.map((r) => `${r.kind} ${r.name}`));
        await deps.shutdowns.clear(where);
      }
      return removed;
    },

    async startRunbook(input: ActivityInput<'startRunbook'>) {
      return outcome(() => deps.runbooks.start(input), `runbook ${last(input.runbookId)}`);
    },

    async finishScenario(input: ActivityInput<'finishScenario'>) {
      if (input.scenario === 'FailoverCommit' && input.outcome === 'Succeeded') {
        // The source agents poll this request: it tells them replication has ended and why.
        for (const itemId of input.targets.itemIds) {
          await deps.shutdowns.request({ vault: vaultSegmentOf(input.targets.vaultKey), item: last(itemId)! }, {
            jobId: last(input.targets.jobId) ?? '', requestedAt: input.at, shipFinalLog: false, reason: 'FailoverCommitted',
          });
        }
      }
      // The protection state machine (shared/protection) says what a scenario's success does to the state.
      const outcome = input.outcome;
      await lock.finish(input.targets, input.scenario, outcome, input.at, outcome === 'Succeeded'
        ? (p) => recordScenarioSucceeded(p as unknown as ProtectedItemProperties, input.scenario, new Date(input.at)) as unknown as Record<string, unknown>
        : outcome === 'Failed' || outcome === 'Cancelled'
          ? (p) => recordScenarioEnded(p as unknown as ProtectedItemProperties, input.scenario, outcome, new Date(input.at)) as unknown as Record<string, unknown>
          : undefined);
    },

    ...createFailbackActivities(deps),
  };
}

export type RecoveryActivities = RecoveryActivityHandlers;
