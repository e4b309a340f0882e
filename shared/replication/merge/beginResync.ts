import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { DiskLease } from './DiskLease';
import { listPendingLogs, pendingContainer } from './PendingLog';
import { replicaClient } from '../core/ReplicaBlob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import { advanceReplica } from './advanceReplica';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { tuningOf } from '../core/ReplicationTuning';

export interface BeginResyncOptions {
  /** The new epoch; must be greater than the replica's. */
  epoch: bigint;
  /** The source disk's size from now on (default: unchanged); must fit the replica blob. */
  sourceVirtualSize?: number;
}

/**
 * Starts a resync of a disk: the fix for a quarantined log, a lost log or a source rollback.
 * Under the lease, the replica moves to a new epoch with nothing applied, logs still pending
 * (all of the old epoch) are dropped, and the item records the resync (its state turns
 * ResynchronizationInProgress and the disk's health issues are closed). The agent then
 * ships the new epoch from sequence 1, whose first log carries the whole disk (or every unit
 * that differs from the replica). Recovery points of the old epoch stay until retention
 * removes them; the replica keeps its bytes until the new epoch's logs overwrite them.
 */
export async function beginResync(deps: ReplicationDeps, disk: DiskRef, options: BeginResyncOptions): Promise<ReplicaState> {
  const tuning = tuningOf(deps);
  const blob = replicaClient(deps, disk);
  const lease = await DiskLease.acquire(blob, tuning.leaseDurationSeconds, tuning.leaseWaitMs);
  try {
    const current = await readReplica(blob, lease.leaseId);
    if (!current?.state) throw new ReplicationError('ReplicaNotFound', `disk ${diskKey(disk)} has no replica to resync; its first log creates one`);
    const state = current.state;
    if (options.epoch <= state.epoch) {
      throw new ReplicationError('ResyncEpochNotNewer', `a resync needs an epoch greater than ${state.epoch}, got ${options.epoch}`);
    }
    const size = options.sourceVirtualSize ?? state.sourceVirtualSize;
    if (size > current.contentLength - 512) {
      throw new ReplicationError('DiskGrewBeyondReplica', `the disk grew to ${size} bytes, beyond the replica's ${current.contentLength - 512}; disable and re-enable protection to replicate a larger disk`);
    }
    // The protection stays (its id); the applied-log checksums are of the old epoch and start empty.
    const next: ReplicaState = { epoch: options.epoch, lastAppliedSequence: 0n, sourceVirtualSize: size, seedComplete: false, ...(state.protectionId ? { protectionId: state.protectionId } : {}) };
    await advanceReplica(blob, lease.leaseId, state, next);
    for (const p of await listPendingLogs(pendingContainer(deps), disk)) {
      await ignoreNotFound(pendingContainer(deps).getBlobClient(p.blobName).delete());
    }
    await deps.health.recordResyncStarted(disk, options.epoch);
    deps.log?.(`resync of ${diskKey(disk)}: epoch ${state.epoch} -> ${options.epoch}`);
    return next;
  } finally {
    await lease.release();
  }
}
