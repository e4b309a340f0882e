import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { DiskRef, diskKey, diskPrefix, logFileName, readReplica, REPLICA_CONTAINERS, replicaBlob } from '../replication';

export interface MergeTarget {
  disk: DiskRef;
  epoch: number;
  sequence: number;
  /** The highest sequence of `epoch` the service acknowledged before (the agent's record); the replica must never go below it. */
  acked?: number;
  /** When a repair started `epoch` (service clock, ISO): quarantined logs from before are of an older epoch. */
  since?: string;
}

export interface WaitForMergeOptions {
  timeoutMs?: number;
  pollMs?: number;
  onPoll?(merged: number, total: number): void;
}

/** How far a disk's replica is merged: its `lastAppliedSequence` for `epoch`, 0 if none yet or another epoch. */
export async function mergedSequence(blobs: BlobServiceClient, disk: DiskRef, epoch: number): Promise<{ sequence: number; cutTimeMs?: number }> {
  const p = await replicaProgress(blobs, disk);
  if (!p || p.epoch !== epoch) return { sequence: 0 };
  return { sequence: p.sequence, cutTimeMs: p.cutTimeMs };
}

/** The replica's epoch and applied sequence (its blob metadata), or `undefined` when it has none. */
export async function replicaProgress(blobs: BlobServiceClient, disk: DiskRef): Promise<{ epoch: number; sequence: number; cutTimeMs?: number } | undefined> {
  const r = await readReplica(blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)));
  if (!r?.state) return undefined;
  return { epoch: Number(r.state.epoch), sequence: Number(r.state.lastAppliedSequence), cutTimeMs: r.state.lastAppliedCutTimeMs };
}

/** Codes of the errors that mean "stop waiting, repair": the caller serves the repair (shared/agent repairToServe). */
export const REPAIR_SIGNALS = ['ReplicationStateLost', 'ResyncRequested'];

/**
 * Judges one disk's replica against what the agent knows: a replica of an older epoch, or of
 * this epoch below the acknowledged sequence, lost acknowledged writes (`ReplicationStateLost`);
 * one of a newer epoch was moved by a repair (`ResyncRequested`). Returns the applied sequence.
 */
function judgeReplica(t: MergeTarget, p: { epoch: number; sequence: number } | undefined): number {
  if (p && p.epoch > t.epoch) {
    throw new ServiceError('ResyncRequested', `the replica of disk ${diskKey(t.disk)} moved to epoch ${p.epoch} (a repair): the agent resynchronises it`);
  }
  const acked = t.acked ?? 0;
  if ((p === undefined && acked > 0) || (p && p.epoch < t.epoch) || (p && p.epoch === t.epoch && p.sequence < acked)) {
    throw new ServiceError('ReplicationStateLost', lostWritesMessage(diskKey(t.disk), t.epoch, acked, p));
  }
  return p && p.epoch === t.epoch ? p.sequence : 0;
}

/** What an operator reads when storage lost acknowledged writes. */
export function lostWritesMessage(disk: string, epoch: number, acked: number, p: { epoch: number; sequence: number } | undefined): string {
  const now = p ? `epoch ${p.epoch}, log ${p.sequence}` : 'gone';
  return `the replica of disk ${disk} is at ${now}, but the service had acknowledged log ${acked} of epoch ${epoch}: ` +
    'storage lost acknowledged writes (an emulator killed, a storage account failover) and the logs in between have left the agent\'s outbox, ' +
    'so later logs would wait forever';
}

async function quarantined(blobs: BlobServiceClient, t: MergeTarget): Promise<string | undefined> {
  const prefix = diskPrefix(t.disk);
  for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix, includeMetadata: true })) {
    // Quarantine names carry no epoch: a log refused before this epoch began is not one of ours.
    if (t.since && (b.metadata?.quarantinedat ?? '') < t.since) continue;
    const file = b.name.slice(prefix.length);
    for (let s = 1; s <= t.sequence; s++) {
      if (file.startsWith(`${logFileName(BigInt(s))}.`)) return `${b.name}${b.metadata?.reason ? `: ${b.metadata.reason}` : ''}`;
    }
  }
  return undefined;
}

/**
 * Polls the replicas' blob metadata (`lastappliedsequence`, written by the merge engine after a
 * log's pages) until every disk has merged its target log. A log sent to quarantine fails at
 * once with the reason; so does `timeoutMs` without progress (retryable: the logs stay pending
 * and merge later). A replica that goes back below what the service acknowledged fails with
 * `ReplicationStateLost`, one moved to a newer epoch with `ResyncRequested` (see REPAIR_SIGNALS).
 */
export async function waitForMerge(blobs: BlobServiceClient, targets: MergeTarget[], options: WaitForMergeOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 500;
  let deadline = Date.now() + timeoutMs;
  let progress = -1;
  for (let round = 0; ; round++) {
    let merged = 0;
    let applied = 0;
    for (const t of targets) {
      const s = judgeReplica(t, await replicaProgress(blobs, t.disk));
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
        const q = await quarantined(blobs, t);
        if (q) throw new ServiceError('LogQuarantined', `the merge refused a log of disk ${diskKey(t.disk)} (${q}); fix the cause, then resync the item`);
      }
    }
    if (Date.now() > deadline) {
      throw new ServiceError('MergeTimeout', `logs uploaded but no merge progress for ${Math.round(timeoutMs / 1000)} s; is the Functions host (blob trigger) running? They stay pending and merge when it runs`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
