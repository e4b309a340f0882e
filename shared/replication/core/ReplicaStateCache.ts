import type { ReplicaSnapshotOfState } from '../../contracts/readReplica';

/** What is remembered of a replica: its state, metadata and the ETag they were current at. */
export type RememberedReplica = Pick<ReplicaSnapshotOfState, 'state' | 'etag' | 'metadata'>;

/** Entries kept at most: a few KB each, for more disks than one host merges. */
const DEFAULT_CAPACITY = 20_000;

/**
 * The state each replica was last read or left in by this process, with the ETag it had then.
 * A merge uses an entry only if the ETag its lease reports is the same (any write by anyone
 * changes it), so an entry can be old but never wrong; what it saves is the replica's read
 * before the lease and under it, two of the dozen storage calls a small log costs (issue 17).
 * Least recently stored entries go first beyond the capacity.
 */
export class ReplicaStateCache {
  private readonly entries = new Map<string, RememberedReplica>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  get(replicaUrl: string): RememberedReplica | undefined {
    return this.entries.get(replicaUrl);
  }

  set(replicaUrl: string, snapshot: RememberedReplica): void {
    this.entries.delete(replicaUrl);
    this.entries.set(replicaUrl, snapshot);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(replicaUrl: string): void {
    this.entries.delete(replicaUrl);
  }
}
