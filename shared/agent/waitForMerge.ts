import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { appliedChecksumOf, DiskRef, diskKey, diskPrefix, LOG_METADATA, logFileName, readReplica, ReplicaState, REPLICA_CONTAINERS, replicaBlob } from '../replication';

export interface MergeTarget {
  disk: DiskRef;
  epoch: number;
  /** The disk's last shipped log: merged once the replica's applied sequence reaches it. */
  sequence: number;
  /** The protection id the agent stamped on its logs; a replica holding another's is an error. */
  protectionId?: string;
  /** Checksums of the disk's last shipped logs: each applied one must be ours. */
  logs?: { sequence: number; sha256: string }[];
  /** The agent's state directory, for messages. */
  stateDir?: string;
}

export interface WaitForMergeOptions {
  timeoutMs?: number;
  pollMs?: number;
  onPoll?(merged: number, total: number): void;
}

async function replicaStateOf(blobs: BlobServiceClient, disk: DiskRef): Promise<ReplicaState | undefined> {
  return (await readReplica(blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk))))?.state;
}

/** How far a disk's replica is merged: its `lastAppliedSequence` for `epoch`, 0 if none yet or another epoch. */
export async function mergedSequence(blobs: BlobServiceClient, disk: DiskRef, epoch: number): Promise<{ sequence: number; cutTimeMs?: number }> {
  const s = await replicaStateOf(blobs, disk);
  if (!s || s.epoch !== BigInt(epoch)) return { sequence: 0 };
  return { sequence: Number(s.lastAppliedSequence), cutTimeMs: s.lastAppliedCutTimeMs };
}

const RESYNC = (t: MergeTarget) => `asr item resync <vault> ${t.disk.item}`;
const where = (t: MergeTarget) => (t.stateDir ? ` (state in ${t.stateDir})` : '');

/**
 * Judges what the replica applied against what this agent shipped: for every sequence of ours
 * the replica applied and still records, our log's checksum. Throws the divergence (naming it
 * and what to do) rather than let "merged" be said of someone else's log. Only called for a
 * replica of this agent's protection (see {@link ofOtherProtection}).
 */
function verifyApplied(t: MergeTarget, s: ReplicaState): void {
  for (const own of t.logs ?? []) {
    if (BigInt(own.sequence) > s.lastAppliedSequence) continue;
    const applied = appliedChecksumOf(s, BigInt(own.sequence));
    if (applied !== undefined && applied !== own.sha256) {
      throw new ServiceError('LogDivergent',
        `the replica of disk ${diskKey(t.disk)} applied a different log as sequence ${own.sequence} than the one this agent shipped ` +
        `(SHA-256 ${applied.slice(0, 12)}…, ours ${own.sha256.slice(0, 12)}…)${where(t)}: another writer ships this disk's logs, so the replica may differ from this source. ` +
        `Nothing of this disk is reported merged. Find and stop the other writer, then resynchronize ('${RESYNC(t)}').`);
    }
  }
  if (s.lastAppliedSequence > BigInt(t.sequence)) {
    throw new ServiceError('LogDivergent',
      `the replica of disk ${diskKey(t.disk)} has applied up to log ${s.lastAppliedSequence}, beyond this agent's last log ${t.sequence}${where(t)}: ` +
      `logs this agent did not ship were merged. Find and stop the other writer, then resynchronize ('${RESYNC(t)}').`);
  }
}

/**
 * The replica still holds an ended protection's logs (protection was disabled and enabled again;
 * the merge retires it when our first log arrives): nothing of ours is merged there yet. An
 * agent whose own protection has ended learns it from the API (assertProtectionKnown) or, when
 * it ships anyway, from its log in quarantine (ForeignProtection).
 */
function ofOtherProtection(t: MergeTarget, s: ReplicaState): boolean {
  return !!t.protectionId && !!s.protectionId && s.protectionId !== t.protectionId;
}

/** A log of ours in quarantine (recognised by the checksum we stamped on it), with the merge's reason. */
async function quarantined(blobs: BlobServiceClient, t: MergeTarget): Promise<ServiceError | undefined> {
  try {
    return await ownLogInQuarantine(blobs, t);
  } catch (err) {
    // The merge engine creates `hrl-quarantine` with its first refusal: no container, nothing refused.
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

async function ownLogInQuarantine(blobs: BlobServiceClient, t: MergeTarget): Promise<ServiceError | undefined> {
  const prefix = diskPrefix(t.disk);
  const own = new Map((t.logs ?? []).map((l) => [l.sha256, l.sequence]));
  for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix, includeMetadata: true })) {
    const m = b.metadata ?? {};
    const stamped = m[LOG_METADATA.sha256] && decodeURIComponent(m[LOG_METADATA.sha256]);
    // Without checksums (an older agent's state), any quarantined log of our sequences is ours.
    const ours = own.size > 0
      ? stamped !== undefined && own.has(stamped)
      : Array.from({ length: t.sequence }, (_, i) => logFileName(BigInt(i + 1))).some((f) => b.name.slice(prefix.length).startsWith(`${f}.`));
    if (!ours) continue;
    const reason = m.reason ? decodeURIComponent(m.reason) : 'refused';
    const detail = m.detail ? decodeURIComponent(m.detail) : '';
    const blob = `${REPLICA_CONTAINERS.quarantine}/${b.name}`;
    if (reason === 'ForeignProtection') {
      return new ServiceError('ForeignProtection',
        `the merge refused this agent's log of disk ${diskKey(t.disk)} (${detail}; kept as ${blob})${where(t)}: the item's protection is not the one this agent was issued. ` +
        'Another machine holds this item name, or protection was enabled again since this state was written. Stop this agent; to protect this machine, remove its state directory and protect it under another item name.');
    }
    if (reason === 'LogDivergent') {
      return new ServiceError('LogDivergent',
        `the merge refused this agent's log of disk ${diskKey(t.disk)} (${detail}; kept as ${blob})${where(t)}: another log was applied under its sequence, so the replica may differ from this source. ` +
        `Find and stop the other writer, then resynchronize ('${RESYNC(t)}').`);
    }
    return new ServiceError('LogQuarantined', `the merge refused a log of disk ${diskKey(t.disk)} (${blob}: ${reason}${detail ? `: ${detail}` : ''}); fix the cause, then resync the item`);
  }
  return undefined;
}

/**
 * Polls the replicas' blob metadata (`lastappliedsequence`, written by the merge engine after a
 * log's pages) until every disk has merged its target log, verifying on each poll that what was
 * applied is this agent's (verifyApplied: protection id, per-sequence checksums). A divergence
 * or a log of ours sent to quarantine fails at once with the reason; so does `timeoutMs` without
 * progress (retryable: the logs stay pending and merge later).
 */
export async function waitForMerge(blobs: BlobServiceClient, targets: MergeTarget[], options: WaitForMergeOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 500;
  let deadline = Date.now() + timeoutMs;
  let progress = -1;
  for (;;) {
    let merged = 0;
    let applied = 0;
    for (const t of targets) {
      const s = await replicaStateOf(blobs, t.disk);
      if (!s || s.epoch !== BigInt(t.epoch) || ofOtherProtection(t, s)) continue;
      verifyApplied(t, s);
      applied += Math.min(Number(s.lastAppliedSequence), t.sequence);
      if (s.lastAppliedSequence >= BigInt(t.sequence)) merged++;
    }
    options.onPoll?.(merged, targets.length);
    if (merged === targets.length) return;
    // The timeout counts from the last progress: a long seed merging steadily never times out.
    if (applied > progress) {
      progress = applied;
      deadline = Date.now() + timeoutMs;
    }
    for (const t of targets) {
      const q = await quarantined(blobs, t);
      if (q) throw q;
    }
    if (Date.now() > deadline) {
      throw new ServiceError('MergeTimeout', `logs uploaded but no merge progress for ${Math.round(timeoutMs / 1000)} s; is the Functions host (blob trigger) running? They stay pending and merge when it runs`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
