import type { FabricResource, TargetFabric } from '../../fabric';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import type { FailbackRequest } from '../../contracts/FailbackTransfers';
import {
  clearFailbackRequest, failbackDigestsEqual, failbackRoundProgress, failbackTransfers, prepareFailbackDelta, readReplica, replicaClient,
  requestFailbackRound, startReprotectEpoch, vaultSegmentOf, type RecoveredDisk, type ReplicationDeps,
} from '../../replication';
import { JobRecorder } from '../jobs/JobRecorder';
import type { KeyWrapper } from '../jobs/KeyWrapper';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import { recordScenarioSucceeded } from '../../protection';
import { RecoveryError } from '../plan/RecoveryError';
import { CANCELLED_ERROR } from '../plan/RecoveryEvents';
import type { ActivityInput, FailbackTaskInput, RecoveryActivityHandlers } from '../plan/RecoveryActivityMap';
import type { StepOutcome } from '../plan/StepOutcome';
import { toJobError } from '../plan/toJobError';
import { ServiceError } from '../../errors';
import { stopReverseReplication } from './stepReverseReplication';

export interface FailbackActivityDeps {
  store: MetadataStore;
  fabric: TargetFabric;
  keys: KeyWrapper;
  replication: ReplicationDeps;
}

/** The scenarios whose machines are the workload in the recovery site (not a test's). */
const FAILOVER_SCENARIOS = ['PlannedFailover', 'UnplannedFailover'];

function itemSegments(vaultKey: string, itemId: string): ItemSegments {
  return { vault: vaultSegmentOf(vaultKey), item: itemId.split('/').filter(Boolean).pop()! };
}

/** The recovered machine and its disks' ids, found by the fabric's tags. */
export interface RecoveredMachine {
  machine: FabricResource;
  diskIds: string[];
}

/**
 * The machine that runs the item in the recovery site (made by its committed failover), found
 * by the fabric's tags. A failback reads its disks; a reprotect removes it.
 */
export async function recoveredMachineOf(fabric: TargetFabric, item: ItemSegments): Promise<RecoveredMachine> {
  const resources = await fabric.listResources({ vault: item.vault, item: item.item });
  const machine = resources.find((r) => r.kind === 'machine' && FAILOVER_SCENARIOS.includes(r.tags.scenario));
  if (!machine) {
    throw new RecoveryError('RecoveredMachineNotFound', `no machine of ${item.item} runs in the recovery site: there is nothing to fail back from`, {
      possibleCauses: 'The failover\'s machine was deleted in the recovery site, or the item was never failed over.',
      recommendedAction: 'Look for the machine in the recovery resource group; without it, disable and re-enable protection of the item.',
    });
  }
  const diskIds = resources
    .filter((r) => r.kind === 'disk' && r.machineName === machine.machineName && r.resourceGroup === machine.resourceGroup)
    .map((r) => (r.name.startsWith(`${machine.machineName}-`) ? r.name.slice(machine.machineName.length + 1) : r.name));
  return { machine, diskIds };
}

/** A recovered disk: its id and the source disk's size (what a round's request names). */
export interface RecoveredDiskSize {
  diskId: string;
  dataBytes: number;
}

/** The recovered machine's disks with the source disks' sizes (from the replicas). */
export async function recoveredDisksOf(deps: Pick<FailbackActivityDeps, 'replication'>, item: ItemSegments, found: RecoveredMachine): Promise<RecoveredDiskSize[]> {
  const out: RecoveredDiskSize[] = [];
  for (const diskId of found.diskIds) {
    const replica = await readReplica(replicaClient(deps.replication, { vault: item.vault, item: item.item, disk: diskId }));
    if (!replica?.state) throw new RecoveryError('ReplicaNotFound', `disk ${diskId} of ${item.item} has no replica: its source size is unknown`, { possibleCauses: 'The replica was deleted.', recommendedAction: 'Disable and re-enable protection of the item.' });
    out.push({ diskId, dataBytes: replica.state.sourceVirtualSize });
  }
  return out;
}

/**
 * Runs `work` over the recovered disks read through the fabric (local: the disk blobs; Azure: an
 * incremental snapshot per disk behind ARM's read-only SAS, never a URL from a request), and
 * releases every read afterwards, also on failure (Azure: the SAS is revoked).
 */
export async function withRecoveredDisks<T>(
  deps: Pick<FailbackActivityDeps, 'fabric'>, item: ItemSegments, found: RecoveredMachine, sizes: RecoveredDiskSize[], work: (disks: RecoveredDisk[]) => Promise<T>,
): Promise<T> {
  const reads: { release(): Promise<void> }[] = [];
  try {
    const disks: RecoveredDisk[] = [];
    for (const d of sizes) {
      const read = await deps.fabric.readRecoveredDisk({ source: { vault: item.vault, item: item.item, disk: d.diskId }, resourceGroup: found.machine.resourceGroup, machineName: found.machine.machineName, tags: found.machine.tags });
      reads.push(read);
      disks.push({ diskId: d.diskId, blob: read.blob, dataBytes: d.dataBytes });
    }
    return await work(disks);
  } finally {
    for (const r of reads) await r.release();
  }
}

/** Bytes as an operator reads them. */
function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

/** Rounds are numbered per job: ForSynchronization's sync is 1 and its final 2; ForDownTime's only round is 1. */
export function failbackRoundNumber(input: Pick<FailbackTaskInput, 'phase' | 'failback'>): number {
  return input.phase === 'finalSync' && input.failback.dataSyncOption === 'ForSynchronization' ? 2 : 1;
}

/**
 * The failback's activities (issue 13), over the replication side's data path
 * (`shared/replication/failback`, docs/failback.md): one round of a machine (ask the agent,
 * prepare the delta from the recovered disks once it reported its digests, check the applied
 * disk against the recovered one, report bytes shipped), stop the recovery site's machine,
 * start the primary one, and undo a cancelled failback. Each records its task on the job and
 * is idempotent: a round already asked for is not asked again, a prepared delta is answered
 * from its ready.json, stopping a stopped machine or starting a running one changes nothing.
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
        const round = failbackRoundNumber(input);
        const phase = input.phase === 'sync' ? 'sync' as const : 'final' as const;
        const found = await recoveredMachineOf(deps.fabric, item);
        const disks = await recoveredDisksOf(deps, item, found);
        const transfers = failbackTransfers(deps.replication);
        if (input.first) {
          // A failback from ReverseReplicating takes the channel over: the standing rounds stop
          // (the primary is in sync up to the last round, so this round ships little).
          await stopReverseReplication(deps, item, `superseded by failback job ${input.jobId}`);
          await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: new Date().toISOString(), description: `Asking the primary site's agent for round ${round} (${phase})` }]);
          const pending = await transfers.readRequest(item);
          if (!pending || pending.jobId !== input.jobId || pending.round !== round) {
            const doc = await deps.store.getResource<ProtectedItemProperties>(input.vaultKey, documentIdOfArmId(input.item.itemId));
            const fingerprint = doc?.properties.providerSpecificDetails.encryptionKeyFingerprint || undefined;
            const request: FailbackRequest = {
              jobId: input.jobId, round, phase, requestedAt: new Date().toISOString(),
              disks: disks.map((d) => ({ diskId: d.diskId, dataBytes: d.dataBytes })),
              encrypted: !!fingerprint, ...(fingerprint ? { keyFingerprint: fingerprint } : {}),
              ...(input.failback.recoveryVmCreationOption === 'CreateVmIfNotFound' && input.failback.alternateLocation ? { alternateDirectory: input.failback.alternateLocation } : {}),
            };
            await requestFailbackRound(deps.replication, item, request);
          }
        }
        let progress = await failbackRoundProgress(deps.replication, item, input.jobId, round);
        if (progress === 'Shipping') {
          const key = input.wrappedKey ? deps.keys.unwrap(input.wrappedKey, input.jobId) : undefined;
          try {
            await withRecoveredDisks(deps, item, found, disks, (read) => prepareFailbackDelta(deps.replication, item, round, read, key));
          } finally {
            key?.fill(0);
          }
          progress = await failbackRoundProgress(deps.replication, item, input.jobId, round);
        }
        const ready = await transfers.readReady(item, input.jobId, round);
        const bytesShipped = ready?.disks.reduce((n, d) => n + d.logBytes, 0) ?? 0;
        const details = { round, phase, bytesShipped, bytesChanged: ready?.bytesChanged ?? 0, blocksChanged: ready?.blocks ?? 0 };
        if (typeof progress === 'object') {
          const equality = await failbackDigestsEqual(deps.replication, item, input.jobId, round);
          if (!equality.equal) {
            throw new RecoveryError('FailbackDiskMismatch', `${input.item.name}: after round ${round} the primary disk is not the recovered disk (${equality.disks.map((d) => `${d.diskId}: recovered ${d.recovered.slice(0, 12)}…, primary ${d.applied?.slice(0, 12) ?? 'none'}…`).join(', ')})`, {
              possibleCauses: 'The primary disk changed while the round was applied (the primary machine ran), or the agent applied another round.',
              recommendedAction: 'Keep the primary machine off and retry the failback: the next round ships what still differs.',
            });
          }
          await report(input, [{
            type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(),
            description: `${phase === 'sync' ? 'Synchronized' : 'Final changes synchronized'}: ${ready?.blocks ?? 0} block(s) changed, ${sizeOf(bytesShipped)} shipped; the primary disk equals the recovered disk (${equality.disks.map((d) => `${d.diskId} ${d.recovered.slice(0, 12)}…`).join(', ')})`,
            customDetails: { ...details, applied: progress.applied.disks.map((d) => ({ diskId: d.diskId, path: d.path, diskDigest: d.diskDigest })), agent: progress.applied.agent },
          }]);
          return { done: true };
        }
        const said = progress === 'WaitingForDigests' ? 'Waiting for the primary site\'s agent to report its disks\' digests (asr agent run, or asr agent sync)'
          : progress === 'Shipping' ? 'Preparing the delta'
            : `Delta of ${ready?.blocks ?? 0} block(s) (${sizeOf(bytesShipped)}) ready; waiting for the primary site's agent to apply it`;
        await report(input, [{ type: 'taskProgress', taskId: input.taskId, description: said, customDetails: details }]);
        return { done: false };
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
          description = `${stopped.name} in ${stopped.resourceGroup} is ${stopped.powerState}: no more writes in the recovery site`;
        } else {
          // The primary site is reached through its agent only; the disks are home and proven
          // equal, so the start is recorded here and the operator (or the host's own tooling) boots it.
          const where = input.failback.recoveryVmCreationOption === 'CreateVmIfNotFound' ? ` from the new disk(s) in ${input.failback.alternateLocation}` : '';
          description = `${input.item.name}: start of the primary machine recorded${where}; the disks are the recovered ones`;
        }
        await report(input, [{ type: 'taskStarted', taskId: input.taskId, at: startedAt }, { type: 'taskSucceeded', taskId: input.taskId, at: new Date().toISOString(), description }]);
        return description;
      });
    },

    async rollBackFailback(input: ActivityInput<'rollBackFailback'>) {
      const done: string[] = [];
      for (const ref of input.items) {
        const item = itemSegments(input.vaultKey, ref.itemId);
        await clearFailbackRequest(deps.replication, item);
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

/** Writes the item's properties changed by `change`, with If-Match (the merge writes the same document). */
export async function updateItem(store: MetadataStore, vaultKey: string, itemId: string, change: (p: ProtectedItemProperties) => ProtectedItemProperties): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const doc = await store.getResource<ProtectedItemProperties>(vaultKey, documentIdOfArmId(itemId));
    if (!doc) return;
    try {
      await store.replaceResource<ProtectedItemProperties>({ ...doc, properties: change(doc.properties) } as ResourceDocument<ProtectedItemProperties>, { ifMatch: doc._etag });
      return;
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 30));
    }
  }
}

/**
 * The one-hop machine tasks of the failback cycle: commit (the failback's blobs go), cancel (the
 * recovery site's machine runs again), reprotect (a new forward epoch from the shared disk, then
 * the recovery site's machine and disks go). Returns what it did, in words.
 */
export async function settleFailbackMachine(
  deps: FailbackActivityDeps & { clearShutdown: (item: ItemSegments) => Promise<void> },
  operation: 'commitFailback' | 'cancelFailback' | 'reprotect',
  input: { vaultKey: string; jobId: string; doc: ResourceDocument<ProtectedItemProperties> },
): Promise<string[]> {
  const item = itemSegments(input.vaultKey, input.doc.armId);
  if (operation === 'commitFailback') {
    await clearFailbackRequest(deps.replication, item);
    await deps.fabric.releaseRecoveredDisks({ vault: item.vault, item: item.item });
    return [`${input.doc.name}: failback committed; it runs in the primary site`];
  }
  if (operation === 'cancelFailback') {
    // Also the stop of reverse replication (failoverCancel while ReverseReplicating).
    await stopReverseReplication(deps, item, 'stopped by failoverCancel');
    await clearFailbackRequest(deps.replication, item);
    await deps.fabric.releaseRecoveredDisks({ vault: item.vault, item: item.item });
    const { machine } = await recoveredMachineOf(deps.fabric, item);
    const m = await deps.fabric.startMachine({ resourceGroup: machine.resourceGroup, name: machine.machineName });
    return [`${m.name} ${m.powerState} in the recovery site again`];
  }
  // Merges of this item were held since the commit: the item replicates forward again before
  // the agent can ship the new epoch's first log (the state is the disks' again).
  await updateItem(deps.store, input.vaultKey, input.doc.armId, (p) => recordScenarioSucceeded(p, 'Reprotect', new Date()));
  // The commit's "replication ended" request goes first: the agent stops on it before it looks at
  // repairs (docs/failback.md); it stays stopped (stoppedForFailover) until the repair releases it.
  await deps.clearShutdown(item);
  const d = input.doc.properties.providerSpecificDetails;
  const request = await startReprotectEpoch(deps.replication, {
    vault: item.vault, item: item.item, diskIds: d.disks.map((x) => x.diskId),
    seededBefore: (d.protectedDisks ?? []).filter((x) => x.isInitialReplicationComplete || x.replicationEpoch > 1).map((x) => x.diskId),
  });
  const removed = (await deps.fabric.cleanup({ vault: item.vault, item: item.item })).deleted.map((r) => `${r.kind} ${r.name}`);
  return [`forward replication resumes in epoch ${request.epoch} (deltas only from the shared disk)`, ...removed.map((r) => `removed ${r}`)];
}
