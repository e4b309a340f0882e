import type { PageBlobClient } from '@azure/storage-blob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicaState, writeReplicaState } from '../../contracts/ReplicaState';
import { ReplicationError } from '../core/ReplicationError';

/**
 * Replaces the replica's state with `next`, only if the blob still says `expected` (same epoch,
 * same last applied sequence): If-Match on the ETag just read plus the lease. Anything else
 * means another writer got in, and the merge must stop rather than claim progress.
 */
export async function advanceReplica(blob: PageBlobClient, leaseId: string, expected: ReplicaState, next: ReplicaState): Promise<void> {
  const current = await readReplica(blob, leaseId);
  const s = current?.state;
  if (!current || !s || s.epoch !== expected.epoch || s.lastAppliedSequence !== expected.lastAppliedSequence) {
    throw new ReplicationError('ReplicaLeaseLost', `the state of ${blob.name} changed under the merge (expected epoch ${expected.epoch} at ${expected.lastAppliedSequence}); the merge stopped`, {
      retryable: true,
      details: { found: s ? { epoch: s.epoch.toString(), lastAppliedSequence: s.lastAppliedSequence.toString() } : null },
    });
  }
  await blob.setMetadata(writeReplicaState(next, current.metadata), { conditions: { leaseId, ifMatch: current.etag } });
}
