import { ServiceError, ServiceErrorOptions } from '../../errors';

/** Codes of {@link ReplicationError}; callers branch on these. */
export type ReplicationErrorCode =
  /** Another merge holds the disk's lease and did not let go in time (retryable). */
  | 'ReplicaBusy'
  /** The lease expired or was taken during a merge; nothing after that point was written (retryable). */
  | 'ReplicaLeaseLost'
  /** A drain could not reach the requested sequence (a gap, or a quarantined log). */
  | 'DrainIncomplete'
  /** No recovery point (snapshot) at or before the requested point. */
  | 'NoRecoveryPoint'
  /** The journal lacks a log needed to reach the requested point. */
  | 'JournalIncomplete'
  /** The disk has no replica yet (no log merged). */
  | 'ReplicaNotFound'
  /** A materialised disk does not match the digest its log carries: do not boot it. */
  | 'ReplicaDigestMismatch'
  /** The replica blob cannot hold the disk (too small, or vanished while being set up). */
  | 'ReplicaUnusable'
  /** The request itself cannot be read (e.g. a recovery time that is not a time). */
  | 'InvalidReplicationRequest'
  /** A resync (or repair) asked for an epoch that is not newer than the replica's: another one overtook it. */
  | 'ResyncEpochNotNewer'
  /** The source disk grew beyond the replica blob, which keeps the size protection started with. */
  | 'DiskGrewBeyondReplica'
  /** A disk of an earlier epoch was asked for without a sequence or a time to take it at. */
  | 'EarlierEpochNeedsPoint'
  /** A planned failover found no final log of the source for a disk. */
  | 'FinalLogMissing';

/** What a job error shows besides code and message, when the thrower knows better than the generic advice. */
export interface ReplicationErrorOptions extends ServiceErrorOptions {
  possibleCauses?: string;
  recommendedAction?: string;
}

/** An error of the merge engine; the message says what to do. */
export class ReplicationError extends ServiceError {
  declare readonly code: ReplicationErrorCode;
  /** Empty when the code's generic advice applies. */
  readonly possibleCauses: string;
  readonly recommendedAction: string;
  constructor(code: ReplicationErrorCode, message: string, options: ReplicationErrorOptions = {}) {
    super(code, message, options);
    this.possibleCauses = options.possibleCauses ?? '';
    this.recommendedAction = options.recommendedAction ?? '';
  }
}
