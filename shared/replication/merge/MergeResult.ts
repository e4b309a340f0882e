import { DiskRef } from '../../contracts/DiskRef';
import { DiskRecoveryPoint } from '../core/DiskRecoveryPoint';

/**
 * How a merge ended:
 * - `merged`: every consecutive log (up to the limit) is applied;
 * - `idle`: nothing to do;
 * - `gap`: logs wait behind the missing `waitingFor`;
 * - `quarantined`: the next log was refused (see `quarantined`), the disk is stopped;
 * - `busy`: another merge holds the lease and will pick the logs up;
 * - `held`: the item no longer replicates (see `heldReason`); its logs stay pending, unapplied.
 */
export type MergeOutcome = 'merged' | 'idle' | 'gap' | 'quarantined' | 'busy' | 'held';

export interface MergeResult {
  disk: DiskRef;
  outcome: MergeOutcome;
  /** Sequences applied by this call, in order. */
  applied: bigint[];
  /** Bytes of the logs applied by this call (their blob sizes). */
  appliedBytes: number;
  /** The replica's epoch and last applied sequence when the merge ended (absent: no replica). */
  epoch?: bigint;
  lastAppliedSequence?: bigint;
  /** The first missing sequence, when logs wait behind it. */
  waitingFor?: bigint;
  heldReason?: string;
  quarantined?: { sequence: bigint; code: string; message: string; blobName: string };
  /** Logs quarantined without stopping the disk: divergent copies of applied sequences, other protections' logs. */
  refused?: { sequence: bigint; code: string; message: string; blobName: string }[];
  pointsCut: DiskRecoveryPoint[];
  /** The newest recovery point this call was due to cut failed (its log stays applied; the next log's merge cuts one). */
  pointCutFailed?: { sequence: bigint; message: string };
}
