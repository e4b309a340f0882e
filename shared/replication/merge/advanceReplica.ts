import type { PageBlobClient } from '@azure/storage-blob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicaState, writeReplicaState } from '../../contracts/ReplicaState';
import { ReplicationError } from '../core/ReplicationError';

/** What an advance wrote: the blob's ETag after it and its whole metadata. */
export interface AdvancedReplica {
  etag: string;
  metadata: Record<string, string>;
}

/**
 * Replaces the replica's state with `next`, only if the blob still says `expected` (same epoch,
 * same last applied sequence): If-Match on the ETag just read plus the lease. Anything else
 * means another writer got in, and the merge must stop rather than claim progress.
 *
 * `written`: the blob's ETag and metadata as this lease holder last left them: what the advance
 * that wrote `expected` returned (a snapshot does not change the base blob), or the ETag of the
 * log's last Put Page with the metadata read under the lease. Its ETag still matching proves the
 * blob says `expected`, so the read is skipped; a 412 falls back to reading.
 */
export async function advanceReplica(blob: PageBlobClient, leaseId: string, expected: ReplicaState, next: ReplicaState, written?: AdvancedReplica): Promise<AdvancedReplica> {
  if (written) {
    const metadata = writeReplicaState(next, written.metadata);
    try {
      const r = await blob.setMetadata(metadata, { conditions: { leaseId, ifMatch: written.etag } });
      return { etag: r.etag!, metadata };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 412) throw err;
    }
  }
  const current = await readReplica(blob, leaseId);
  const s = current?.state;
  if (!current || !s || s.epoch !== expected.epoch || s.lastAppliedSequence !== expected.lastAppliedSequence) {
    throw new ReplicationError('ReplicaLeaseLost', `the state of ${blob.name} changed under the merge (expected epoch ${expected.epoch} at ${expected.lastAppliedSequence}); the merge stopped`, {
      retryable: true,
      details: { found: s ? { epoch: s.epoch.toString(), lastAppliedSequence: s.lastAppliedSequence.toString() } : null },
    });
  }
  const metadata = writeReplicaState(next, current.metadata);
  const r = await blob.setMetadata(metadata, { conditions: { leaseId, ifMatch: current.etag } });
  return { etag: r.etag!, metadata };
}
