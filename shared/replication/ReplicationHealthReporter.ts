import { DiskRef } from './DiskRef';

/** Codes of the health issues the engine raises; callers and the portal branch on these. */
export type ReplicationHealthCode =
  /** A log was refused and moved to quarantine: replication is stopped until a resync. */
  | 'LogQuarantined'
  /** Logs wait behind a missing one. */
  | 'ReplicationGap'
  /** Logs are pending longer than the policy interval allows. */
  | 'ReplicationLag';

export interface ReplicationHealthIssue {
  severity: 'Warning' | 'Critical';
  code: ReplicationHealthCode;
  /** What happened, in words an operator understands. */
  message: string;
  /** What to do about it. */
  recommendedAction: string;
}

/**
 * Where the engine reports a disk's replication health (the protected item's
 * `replicationHealth` and `healthErrors` in the product: {@link MetadataHealthReporter}).
 * Raising an issue that is already raised replaces it; the item's health is the worst open issue.
 */
export interface ReplicationHealthReporter {
  raise(disk: DiskRef, issue: ReplicationHealthIssue): Promise<void>;
  /** Closes the disk's issues with these codes (a no-op for codes not raised). */
  clear(disk: DiskRef, codes: ReplicationHealthCode[]): Promise<void>;
}
