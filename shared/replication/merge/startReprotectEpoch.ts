import type { RepairRequest } from '../../contracts/replicationRepair';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { RepairTarget, startReplicationRepair } from './startReplicationRepair';

/**
 * Reprotect after a committed failback (docs/failback.md): forward replication resumes in a new
 * epoch whose baseline is the disk both sides now share, without a full re-seed. It is a repair
 * (startReplicationRepair) flagged `reprotect`: every replica moves to a new epoch, the service
 * writes the replica's block digests, and the agent (which stopped for the committed failover
 * and is released by the flag) ships only the blocks whose digest differs from the primary
 * disk: what the failback brought home since the replica's last log, plus anything written
 * since. The replica is made equal to the primary by deltas only; the first recovery point of
 * the new epoch is cut when that seed completes (repairProgress says `Succeeded`).
 *
 * Call it only once the failback's final round proved the disks equal (failbackDigestsEqual).
 * Idempotent like a repair: asked again before the agent acted, it returns the same request.
 */
export function startReprotectEpoch(deps: ReplicationDeps, target: RepairTarget, now: Date = new Date()): Promise<RepairRequest> {
  return startReplicationRepair(deps, { ...target, reprotect: true }, 'reprotect after failback', now);
}
