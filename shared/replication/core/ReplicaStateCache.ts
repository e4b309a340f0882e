import type { ReplicaSnapshotOfState } from '../../contracts/readReplica';
import { readReplicaState } from '../../contracts/ReplicaState';

/** What is remembered of a replica: its state, metadata and the ETag they were current at. */
export type RememberedReplica = Pick<ReplicaSnapshotOfState, 'state' | 'etag' | 'metadata'>;

/**
 * Entries kept at most. Each is the blob's metadata, 2.4 KB of heap with a full applied-log
 * window (measured; the state is parsed again when used: kept parsed too it was 6 KB), so
 * 10,000 replicas are about 24 MB.
 */
const DEFAULT_CAPACITY = 10_000;

/**
 * The state each replica was last read or left in by this process, with the ETag it had then.
 * A merge uses an entry only if the ETag its lease reports is the same (any write by anyone
 * changes it), so an entry can be old but never wrong; what it saves is the replica's read
 * before the lease and under it, two of the dozen storage calls a small log costs (issue 17).
 * Least recently stored entries go first beyond the capacity.
 */
export class ReplicaStateCache {
  private readonly entries = new Map<string, { etag: string; metadata: Record<string, string> }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  get(replicaUrl: string): RememberedReplica | undefined {
    const e = this.entries.get(replicaUrl);
    return e && { state: readReplicaState(e.metadata), etag: e.etag, metadata: e.metadata };
  }

  set(replicaUrl: string, remembered: Pick<RememberedReplica, 'etag' | 'metadata'>): void {
    this.entries.delete(replicaUrl);
    this.entries.set(replicaUrl, { etag: remembered.etag, metadata: remembered.metadata });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(replicaUrl: string): void {
    this.entries.delete(replicaUrl);
  }
}
