import type { FailbackApplied, FailbackRequest } from '../../contracts/FailbackTransfers';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import { ServiceError } from '../../errors';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { failbackTransfers } from './failbackTransfers';

/**
 * Asks the item's agent for a failback round: writes `failback/{vault}/{item}/request.json`
 * (overwriting the previous round's). The agent answers with its disks' digests, the service
 * with the delta logs (prepareFailbackDelta), the agent with applied.json.
 */
export async function requestFailbackRound(deps: ReplicationDeps, item: ItemSegments, request: FailbackRequest): Promise<void> {
  if (request.encrypted && !request.keyFingerprint) {
    throw new ServiceError('InvalidParameter', `the failback of '${item.item}' is encrypted but names no key fingerprint`);
  }
  await failbackTransfers(deps).writeRequest(item, request);
}

/** Where one round stands, from its blobs. */
export type FailbackRoundProgress =
  | 'WaitingForDigests'
  | 'Shipping'
  | 'Applying'
  | { applied: FailbackApplied };

/**
 * `WaitingForDigests` until the agent reported every disk's digests, `Shipping` until the
 * service wrote the round's logs (ready.json), `Applying` until the agent wrote applied.json.
 * A round that is not the pending request's (or no request at all) waits for digests that will
 * not come: the caller asked for the wrong round.
 */
export async function failbackRoundProgress(deps: ReplicationDeps, item: ItemSegments, jobId: string, round: number): Promise<FailbackRoundProgress> {
  const t = failbackTransfers(deps);
  const applied = await t.readApplied(item, jobId, round);
  if (applied) return { applied };
  if (await t.readReady(item, jobId, round)) return 'Applying';
  const request = await t.readRequest(item);
  if (!request || request.jobId !== jobId || request.round !== round) return 'WaitingForDigests';
  for (const d of request.disks) {
    if (!(await t.readDigests(item, jobId, round, d.diskId))) return 'WaitingForDigests';
  }
  return 'Shipping';
}

/** Removes the request and every round's blobs of the item (after the failback is committed or cancelled). */
export async function clearFailbackRequest(deps: ReplicationDeps, item: ItemSegments): Promise<void> {
  await failbackTransfers(deps).clear(item);
}
