import type { DiskMergeProgress } from '../../protection';
import { DiskRef } from '../../contracts/DiskRef';

/** Codes of the health issues the engine raises; callers and the portal branch on these. */
export type ReplicationHealthCode =
  /** A log was refused and moved to quarantine: replication is stopped until a resync. */
  | 'LogQuarantined'
  /** A log arrived under an applied sequence with other content than the log applied there. */
  | 'LogDivergent'
  /** A log carried another protection's id (a second agent, or one from before protection was re-enabled). */
  | 'ForeignProtection'
  /** Logs wait behind a missing one. */
  | 'ReplicationGap'
  /** Logs are pending longer than the policy interval allows. */
  | 'ReplicationLag'
  /** A log was merged but the recovery point it was due to cut failed (snapshot or record): the next log tries again. */
  | 'RecoveryPointCutFailed';

export interface ReplicationHealthIssue {
  severity: 'Warning' | 'Critical';
  code: ReplicationHealthCode;
  /** What happened, in words an operator understands. */
  message: string;
  /** What to do about it. */
  recommendedAction: string;
}

/**
 * Where the engine reports a disk's replication status: the protected item's protection state,
 * `replicationHealth`, `healthErrors` and per-disk progress in the product
 * ({@link MetadataHealthReporter}, which applies shared/protection's transitions).
 * Raising an issue that is already raised replaces it; the item's health is the worst open issue.
 */
export interface ReplicationHealthReporter {
  raise(disk: DiskRef, issue: ReplicationHealthIssue): Promise<void>;
  /** Closes the disk's issues with these codes (a no-op for codes not raised). */
  clear(disk: DiskRef, codes: ReplicationHealthCode[]): Promise<void>;
  /** A merge round made progress: records it (epoch, sequence, cut time, seed, newest point) and closes `clear`. */
  recordMerged(disk: DiskRef, progress: Omit<DiskMergeProgress, 'diskId'>, clear: ReplicationHealthCode[]): Promise<void>;
  /** A resync moved the disk to a new epoch (closes the issues a resync fixes). */
  recordResyncStarted(disk: DiskRef, epoch: bigint): Promise<void>;
}
