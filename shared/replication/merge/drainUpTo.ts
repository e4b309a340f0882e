import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { mergeDisk } from './mergeDisk';
import { MergeResult } from './MergeResult';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';

/**
 * The failover step's drain: merges pending logs up to `sequence` (or all, for "Latest"),
 * waiting for a running merge's lease as long as the lease lasts. Throws `DrainIncomplete` if
 * the replica cannot reach `sequence` (a missing or quarantined log), saying where it stopped,
 * so the step can choose an earlier point or wait. Without `sequence`, a gap is not an error:
 * everything consecutive is merged and the result says where it stopped (`outcome: 'gap'`).
 */
export async function drainUpTo(deps: ReplicationDeps, disk: DiskRef, sequence?: bigint): Promise<MergeResult> {
  const result = await mergeDisk(deps, disk, { upTo: sequence, leaseWaitMs: 120_000 });
  const reached = result.lastAppliedSequence ?? 0n;
  if (result.outcome === 'busy' || result.outcome === 'quarantined' || (sequence !== undefined && reached < sequence)) {
    throw new ReplicationError('DrainIncomplete', `disk ${diskKey(disk)} is merged up to log ${reached} (${result.outcome}${result.waitingFor !== undefined ? `, waiting for log ${result.waitingFor}` : ''}); choose a point at or before log ${reached}, or wait for the missing logs`, {
      details: { reached: reached.toString(), outcome: result.outcome },
    });
  }
  return result;
}
