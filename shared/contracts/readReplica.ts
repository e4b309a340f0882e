import type { PageBlobClient } from '@azure/storage-blob';
import { readReplicaState, ReplicaState } from './ReplicaState';

/** The replica's state and the ETag it was read with; `undefined` if the blob does not exist. */
export interface ReplicaSnapshotOfState {
  state?: ReplicaState;
  etag: string;
  metadata: Record<string, string>;
  contentLength: number;
}

/**
 * Reads the replica's state from its blob metadata: the merge reads it under its lease before
 * advancing it, the agent reads it (no lease) to see how far its logs were merged.
 */
export async function readReplica(blob: PageBlobClient, leaseId?: string): Promise<ReplicaSnapshotOfState | undefined> {
  try {
    const p = await blob.getProperties({ conditions: leaseId ? { leaseId } : undefined });
    return { state: readReplicaState(p.metadata), etag: p.etag!, metadata: p.metadata ?? {}, contentLength: p.contentLength ?? 0 };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
