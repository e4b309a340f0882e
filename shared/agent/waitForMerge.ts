import { ServiceError } from '../errors';
import { DiskRef, diskKey } from '../replication';
import type { ReplicaAccess } from './ReplicaChannel';
import { channelOf } from './storageChannel';

export interface MergeTarget {
  disk: DiskRef;
  epoch: number;
  sequence: number;
}

export interface WaitForMergeOptions {
  timeoutMs?: number;
  pollMs?: number;
  onPoll?(merged: number, total: number): void;
}

/** How far a disk's replica is merged: its `lastAppliedSequence` for `epoch`, 0 if none yet or another epoch. */
export async function mergedSequence(access: ReplicaAccess, disk: DiskRef, epoch: number): Promise<{ sequence: number; cutTimeMs?: number }> {
  return channelOf(access).mergedSequence(disk, epoch);
}

/**
 * Polls the replicas' blob metadata (`lastappliedsequence`, written by the merge engine after a
 * log's pages) until every disk has merged its target log. A log sent to quarantine fails at
 * once with the reason; so does `timeoutMs` without progress (retryable: the logs stay pending
 * and merge later).
 */
export async function waitForMerge(access: ReplicaAccess, targets: MergeTarget[], options: WaitForMergeOptions = {}): Promise<void> {
  const channel = channelOf(access);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 500;
  let deadline = Date.now() + timeoutMs;
  let progress = -1;
  for (let round = 0; ; round++) {
    let merged = 0;
    let applied = 0;
    for (const t of targets) {
      const s = (await channel.mergedSequence(t.disk, t.epoch)).sequence;
      applied += Math.min(s, t.sequence);
      if (s >= t.sequence) merged++;
    }
    options.onPoll?.(merged, targets.length);
    if (merged === targets.length) return;
    // The timeout counts from the last progress: a long seed merging steadily never times out.
    if (applied > progress) {
      progress = applied;
      deadline = Date.now() + timeoutMs;
    }
    if (round % 4 === 3) {
      for (const t of targets) {
        const q = await channel.quarantined(t.disk, t.sequence);
        if (q) throw new ServiceError('LogQuarantined', `the merge refused a log of disk ${diskKey(t.disk)} (${q}); fix the cause, then resync the item`);
      }
    }
    if (Date.now() > deadline) {
      throw new ServiceError('MergeTimeout', `logs uploaded but no merge progress for ${Math.round(timeoutMs / 1000)} s; is the Functions host (blob trigger) running? They stay pending and merge when it runs`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
