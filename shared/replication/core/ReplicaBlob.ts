import { createHash } from 'node:crypto';
import type { PageBlobClient } from '@azure/storage-blob';
import { azureVirtualSize, buildFixedVhdFooter } from '../../disk';
import { ReplicationDeps } from './ReplicationDeps';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { REPLICA_CONTAINERS, replicaBlob } from '../../contracts/ReplicaBlobLayout';
import { ReplicaState, writeReplicaState } from '../../contracts/ReplicaState';
import { readReplica } from '../../contracts/readReplica';
import { ReplicationError } from './ReplicationError';

const VHD_FOOTER_LENGTH = 512;

/** The replica page blob of a disk. */
export function replicaClient(deps: ReplicationDeps, disk: DiskRef): PageBlobClient {
  return deps.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk));
}

/** Bytes of the replica blob for a source disk of `sourceVirtualSize` bytes: the VHD's data (whole MiB) plus its footer. */
export function replicaBlobSize(sourceVirtualSize: number): number {
  return azureVirtualSize(sourceVirtualSize) + VHD_FOOTER_LENGTH;
}

/**
 * Creates the replica page blob if absent (If-None-Match: *, so racing merges create it once).
 * It starts as zeros with no replication metadata; {@link initializeReplica} finishes it under the lease.
 */
export async function createReplicaIfAbsent(blob: PageBlobClient, sourceVirtualSize: number): Promise<void> {
  try {
    await blob.create(replicaBlobSize(sourceVirtualSize), { conditions: { ifNoneMatch: '*' } });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw err;
  }
}

/**
 * Writes the fixed VHD footer and the initial state (epoch, nothing applied) under the lease.
 * The footer's unique id derives from the disk and epoch, so a retry after a crash writes the
 * same bytes. Conditional on the ETag just read: a concurrent initialiser loses cleanly.
 */
export async function initializeReplica(
  blob: PageBlobClient,
  disk: DiskRef,
  leaseId: string,
  seed: { epoch: bigint; sourceVirtualSize: number; cutTimeMs: number },
): Promise<ReplicaState> {
  const current = await readReplica(blob, leaseId);
  if (!current) throw new ReplicationError('ReplicaUnusable', `replica ${blob.name} vanished while being initialised; the next merge creates it again`, { retryable: true });
  const virtualSize = current.contentLength - VHD_FOOTER_LENGTH;
  if (virtualSize < seed.sourceVirtualSize) {
    throw new ReplicationError('ReplicaUnusable', `replica ${blob.name} holds ${virtualSize} bytes, the disk needs ${seed.sourceVirtualSize}; delete the blob (it has no state yet) or seed it with the right size`);
  }
  const uniqueId = createHash('sha256').update(`${diskKey(disk)}#${seed.epoch}`).digest().subarray(0, 16);
  const footer = buildFixedVhdFooter({ virtualSize, uniqueId, time: new Date(seed.cutTimeMs) });
  await blob.uploadPages(footer, virtualSize, VHD_FOOTER_LENGTH, { conditions: { leaseId } });
  const after = await readReplica(blob, leaseId);
  const state: ReplicaState = { epoch: seed.epoch, lastAppliedSequence: 0n, sourceVirtualSize: seed.sourceVirtualSize, seedComplete: false };
  await blob.setMetadata(writeReplicaState(state, after!.metadata), { conditions: { leaseId, ifMatch: after!.etag } });
  return state;
}
