import { ServiceError } from '../errors';
import { diskKey, type DiskRef } from '../contracts/DiskRef';
import { LOG_METADATA } from '../contracts/logChecksum';
import { diskPrefix, logFileName, REPLICA_CONTAINERS } from '../contracts/ReplicaBlobLayout';
import { appliedChecksumOf, type ReplicaState } from '../contracts/ReplicaState';
import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';

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

/** The replica's epoch and applied sequence (its blob metadata), or `undefined` when it has none. */
export async function replicaProgress(access: ReplicaAccess, disk: DiskRef): Promise<{ epoch: number; sequence: number; cutTimeMs?: number } | undefined> {
  const state = await channelOf(access).replicaState(disk);
  if (!state) return undefined;
  return { epoch: Number(state.epoch), sequence: Number(state.lastAppliedSequence), cutTimeMs: state.lastAppliedCutTimeMs };
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


/** How far a disk's replica is merged: its `lastAppliedSequence` for `epoch`, 0 if none yet or another epoch. */
export async function mergedSequence(access: ReplicaAccess, disk: DiskRef, epoch: number): Promise<{ sequence: number; cutTimeMs?: number }> {
  const s = await channelOf(access).replicaState(disk);
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
async function quarantined(channel: ReplicaChannel, t: MergeTarget): Promise<ServiceError | undefined> {
  const prefix = diskPrefix(t.disk);
  const own = new Map((t.logs ?? []).map((l) => [l.sha256, l.sequence]));
  for (const b of await channel.quarantinedLogs(t.disk)) {
    const m = b.metadata ?? {};
    // Quarantine names carry no epoch: a log refused before this epoch began is not one of ours.
    if (t.since && (m.quarantinedat ?? '') < t.since) continue;
    const stamped = m[LOG_METADATA.sha256] && decodeURIComponent(m[LOG_METADATA.sha256]);
    // Without checksums (an older agent's state), any quarantined log of our sequences is ours.
    const ours = own.size > 0
      ? stamped !== undefined && own.has(stamped)
      : Array.from({ length: t.sequence }, (_, i) => logFileName(BigInt(i + 1))).some((f) => b.name.startsWith(`${f}.`));
    if (!ours) continue;
    const reason = m.reason ? decodeURIComponent(m.reason) : 'refused';
    const detail = m.detail ? decodeURIComponent(m.detail) : '';
    const blob = `${REPLICA_CONTAINERS.quarantine}/${prefix}${b.name}`;
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
 * A replica that goes back below what the service acknowledged fails with
 * `ReplicationStateLost`, one moved to a newer epoch with `ResyncRequested` (see REPAIR_SIGNALS).
 */
export async function waitForMerge(access: ReplicaAccess, targets: MergeTarget[], options: WaitForMergeOptions = {}): Promise<void> {
  const channel = channelOf(access);
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollMs ?? 500;
  let deadline = Date.now() + timeoutMs;
  let progress = -1;
  for (;;) {
    let merged = 0;
    let applied = 0;
    for (const t of targets) {
      const s = await channel.replicaState(t.disk);
      // An ended protection's replica (retired when our first log arrives) holds nothing of ours yet.
      if (s && ofOtherProtection(t, s)) continue;
      const seq = judgeReplica(t, s ? { epoch: Number(s.epoch), sequence: Number(s.lastAppliedSequence) } : undefined);
      if (s && s.epoch === BigInt(t.epoch)) verifyApplied(t, s);
      applied += Math.min(seq, t.sequence);
      if (seq >= t.sequence) merged++;
    }
    options.onPoll?.(merged, targets.length);
    if (merged === targets.length) return;
    // The timeout counts from the last progress: a long seed merging steadily never times out.
    if (applied > progress) {
      progress = applied;
      deadline = Date.now() + timeoutMs;
    }
    for (const t of targets) {
      const q = await quarantined(channel, t);
      if (q) throw q;
    }
    if (Date.now() > deadline) {
      throw new ServiceError('MergeTimeout', `logs uploaded but no merge progress for ${Math.round(timeoutMs / 1000)} s; is the Functions host (blob trigger) running? They stay pending and merge when it runs`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
