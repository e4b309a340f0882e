import { REPAIR_REQUEST_CONTAINER, RepairRequest, RepairRequests, repairDigestsBlob } from '../../contracts/replicationRepair';
import { ServiceError } from '../../errors';
import { beginResync } from './beginResync';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { replicaClient } from '../core/ReplicaBlob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import { replicaBlockDigests } from '../core/replicaBlockDigests';

/** The item whose replication a repair restarts: its blob segments and disks. */
export interface RepairTarget {
  vault: string;
  item: string;
  diskIds: string[];
  /**
   * Disks the service once recorded as seeded (the item's progress): their replica may be back
   * inside the initial seed because storage lost writes, and a repair is then what they need.
   */
  seededBefore?: string[];
  /** Reprotect after a failback: the request says so, and the agent resumes from a committed failover (startReprotectEpoch). */
  reprotect?: boolean;
}

export function repairRequests(deps: ReplicationDeps): RepairRequests {
  return new RepairRequests(deps.blobs.getContainerClient(REPAIR_REQUEST_CONTAINER));
}

/**
 * Starts a repair of an item's replication (ASR's `repairReplication`): every disk's replica
 * moves to one new epoch with nothing applied (`beginResync`: pending logs dropped, the item
 * `ResynchronizationInProgress`, the errors a resync fixes closed), the service writes each
 * replica's block digests (32 bytes per 4 KiB block), then the request the agent polls. The
 * agent ships in that epoch only the blocks whose digest differs (docs/replication.md, "Lost
 * writes and repair").
 *
 * Idempotent: asked again while the previous request has not been acted on (every disk at its
 * epoch with nothing applied), it returns that request and starts nothing new.
 */
export async function startReplicationRepair(deps: ReplicationDeps, target: RepairTarget, reason: string, now: Date = new Date()): Promise<RepairRequest> {
  const disks: DiskRef[] = target.diskIds.map((disk) => ({ vault: target.vault, item: target.item, disk }));
  const states = [];
  for (const disk of disks) {
    const r = await readReplica(replicaClient(deps, disk));
    if (!r?.state) throw new ReplicationError('ReplicaNotFound', `disk ${disk.disk} of '${target.item}' has no replica yet: the initial replication creates it; there is nothing to repair`);
    // A new epoch now would strand the seed logs the agent is still shipping in epoch 1.
    if (r.state.epoch === 1n && !r.state.seedComplete && !target.seededBefore?.includes(disk.disk)) {
      throw new ServiceError('SeedIncomplete', `disk ${disk.disk} of '${target.item}' is still in initial replication: 'asr agent protect' resumes it; repair applies once it completed`);
    }
    states.push(r.state);
  }
  const requests = repairRequests(deps);
  const previous = await requests.read(target.vault, target.item);
  if (previous && states.every((s) => Number(s.epoch) === previous.epoch && s.lastAppliedSequence === 0n)) return previous;

  const epoch = Math.max(previous?.epoch ?? 0, ...states.map((s) => Number(s.epoch))) + 1;
  const control = deps.blobs.getContainerClient(REPAIR_REQUEST_CONTAINER);
  await control.createIfNotExists();
  const entries: RepairRequest['disks'] = [];
  for (const disk of disks) {
    let state;
    try {
      state = await beginResync(deps, disk, { epoch: BigInt(epoch) });
    } catch (err) {
      if (err instanceof ReplicationError && err.code === 'ResyncEpochNotNewer') {
        throw new ServiceError('Conflict', `another repair of '${target.item}' started at the same time (disk ${disk.disk} is already past epoch ${epoch - 1}); follow that one`);
      }
      throw err;
    }
    const digests = await replicaBlockDigests(replicaClient(deps, disk), state.sourceVirtualSize);
    const digestsBlob = repairDigestsBlob(target.vault, target.item, disk.disk, epoch);
    await control.getBlockBlobClient(digestsBlob).uploadData(digests);
    entries.push({ diskId: disk.disk, digestsBlob, blocks: digests.length / 32 });
    deps.log?.(`repair of ${diskKey(disk)}: epoch ${epoch}, ${digests.length / 32} block digests written`);
  }
  const request: RepairRequest = { epoch, requestedAt: now.toISOString(), reason, disks: entries, ...(target.reprotect ? { reprotect: true } : {}) };
  await requests.write(target.vault, target.item, request);
  // Digests of earlier repairs are of no use any more.
  const keep = new Set(entries.map((e) => e.digestsBlob));
  for await (const b of control.listBlobsFlat({ prefix: `${target.vault}/${target.item}/resync/` })) {
    if (!keep.has(b.name)) await ignoreNotFound(control.getBlobClient(b.name).delete());
  }
  return request;
}

/** Where a repair of `epoch` stands, from the replicas' own state. */
export type RepairProgress = 'InProgress' | 'Succeeded' | 'Lost';

/**
 * `Succeeded` once every disk's replica completed the seed of `epoch` (or moved past it: a later
 * repair took over); `Lost` when a replica is back below `epoch` (storage lost the repair's own
 * writes: ask again); else `InProgress` (the agent has not shipped, or the merge is running).
 */
export async function repairProgress(deps: ReplicationDeps, target: RepairTarget, epoch: number): Promise<RepairProgress> {
  let done = true;
  for (const disk of target.diskIds) {
    const s = (await readReplica(replicaClient(deps, { vault: target.vault, item: target.item, disk })))?.state;
    if (!s || Number(s.epoch) < epoch) return 'Lost';
    if (Number(s.epoch) === epoch && !s.seedComplete) done = false;
  }
  return done ? 'Succeeded' : 'InProgress';
}
