import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { failbackTransfers } from './failbackTransfers';

/** Per disk: the recovered disk's digest root when the round was prepared, and the source's after applying. */
export interface FailbackEquality {
  equal: boolean;
  disks: { diskId: string; recovered: string; applied?: string }[];
}

/**
 * Proof that a round left the source disks equal to the recovered ones: the Merkle root of the
 * recovered disk's failback digests (ready.json, computed by the service from the blob) against
 * the root the agent computed over its disk after applying (applied.json). Equal for every
 * disk only if every block is. Not equal while the round is not applied. After the final round
 * (the recovered machine shut down first), equality is what lets reprotect start the new
 * forward epoch from deltas only (startReprotectEpoch).
 */
export async function failbackDigestsEqual(deps: ReplicationDeps, item: ItemSegments, jobId: string, round: number): Promise<FailbackEquality> {
  const t = failbackTransfers(deps);
  const ready = await t.readReady(item, jobId, round);
  const applied = await t.readApplied(item, jobId, round);
  const disks = (ready?.disks ?? []).map((d) => ({ diskId: d.diskId, recovered: d.diskDigest, applied: applied?.disks.find((a) => a.diskId === d.diskId)?.diskDigest }));
  return { equal: !!ready && !!applied && disks.length > 0 && disks.every((d) => d.applied === d.recovered), disks };
}
