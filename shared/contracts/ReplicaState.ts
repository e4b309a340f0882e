/**
 * What the replica page blob's metadata says about it. The blob is the one source of truth for
 * how far the disk has been merged: the merge advances `lastAppliedSequence` with a conditional
 * metadata write after a log's pages are written, and a snapshot (a recovery point) carries the
 * same metadata, so every snapshot says which log it ends with.
 */
export interface ReplicaState {
  /** Replication epoch; logs of any other epoch are refused. A resync starts a new one. */
  epoch: bigint;
  /** The last log whose pages are all written; 0 before the first. */
  lastAppliedSequence: bigint;
  /** Source clock at the cut of that log, ms since the Unix epoch (undefined before the first). */
  lastAppliedCutTimeMs?: number;
  /** The source disk's size in bytes, as logs must state it. */
  sourceVirtualSize: number;
  /**
   * The epoch's seed (initial replication, or a resync) is entirely merged: the replica is a
   * whole disk. False until a log without the partial-seed flag is applied; no recovery point
   * is cut, and no failover may take the replica, before.
   */
  seedComplete: boolean;
  /** Cut time of the newest recovery point, and of the newest app-consistent one. */
  lastPointCutTimeMs?: number;
  lastAppPointCutTimeMs?: number;
  /**
   * The content checksum of each of the last {@link APPLIED_LOG_WINDOW} logs applied in this
   * epoch, oldest first. Written in the same conditional write that advances
   * `lastAppliedSequence`, so no crash separates a sequence from the checksum of the log that
   * filled it. A log arriving again under one of these sequences is judged by it (same bytes: a
   * redelivery; other bytes: divergent), and the agent compares it with the log it shipped.
   */
  appliedLogs?: AppliedLog[];
  /** The protection id of the item whose logs the replica holds (the one the last applied log carried). */
  protectionId?: string;
}

/** One applied log: its sequence and the SHA-256 of its blob bytes as uploaded (base64url, 43 characters). */
export interface AppliedLog {
  sequence: bigint;
  sha256: string;
}

/**
 * How many applied logs' checksums the replica keeps (about 1.6 KB of the blob's 8 KiB of
 * metadata). The agent verifies its logs while they are in this window; the merge judges a log
 * of an older sequence as unverifiable (quarantine), never as a redelivery.
 */
export const APPLIED_LOG_WINDOW = 32;

/** `state`'s window with `log` appended (same sequence replaced), trimmed to the window. */
export function withAppliedLog(state: ReplicaState, log: AppliedLog): AppliedLog[] {
  const kept = (state.appliedLogs ?? []).filter((l) => l.sequence !== log.sequence);
  return [...kept, log].slice(-APPLIED_LOG_WINDOW);
}

/** The checksum recorded for `sequence`, or undefined when it is outside the window. */
export function appliedChecksumOf(state: Pick<ReplicaState, 'appliedLogs'>, sequence: bigint): string | undefined {
  return state.appliedLogs?.find((l) => l.sequence === sequence)?.sha256;
}

/** Metadata keys (Azure lower-cases them anyway). */
const KEYS = {
  epoch: 'replicationepoch',
  lastAppliedSequence: 'lastappliedsequence',
  lastAppliedCutTimeMs: 'lastappliedcuttime',
  sourceVirtualSize: 'sourcevirtualsize',
  lastPointCutTimeMs: 'lastpointcuttime',
  lastAppPointCutTimeMs: 'lastapppointcuttime',
  seedComplete: 'seedcomplete',
  appliedLogs: 'appliedlogs',
  protectionId: 'protectionid',
} as const;

/** `seq:sha256,seq:sha256,…`: metadata values are one header line. */
function parseAppliedLogs(v: string | undefined): AppliedLog[] | undefined {
  if (!v) return undefined;
  const out: AppliedLog[] = [];
  for (const part of v.split(',')) {
    const m = /^(\d{1,20}):([A-Za-z0-9_-]{43})$/.exec(part);
    if (m) out.push({ sequence: BigInt(m[1]), sha256: m[2] });
  }
  return out;
}

const optionalNumber = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

/** Reads the state, or `undefined` when the blob was never initialised as a replica. */
export function readReplicaState(metadata: Record<string, string> | undefined): ReplicaState | undefined {
  const m = metadata ?? {};
  if (m[KEYS.epoch] === undefined || m[KEYS.lastAppliedSequence] === undefined || m[KEYS.sourceVirtualSize] === undefined) {
    return undefined;
  }
  return {
    epoch: BigInt(m[KEYS.epoch]),
    lastAppliedSequence: BigInt(m[KEYS.lastAppliedSequence]),
    lastAppliedCutTimeMs: optionalNumber(m[KEYS.lastAppliedCutTimeMs]),
    sourceVirtualSize: Number(m[KEYS.sourceVirtualSize]),
    lastPointCutTimeMs: optionalNumber(m[KEYS.lastPointCutTimeMs]),
    lastAppPointCutTimeMs: optionalNumber(m[KEYS.lastAppPointCutTimeMs]),
    // Replicas written before the flag existed had no partial seeds: merged at all = whole.
    seedComplete: m[KEYS.seedComplete] === undefined ? BigInt(m[KEYS.lastAppliedSequence]) > 0n : m[KEYS.seedComplete] === '1',
    appliedLogs: parseAppliedLogs(m[KEYS.appliedLogs]),
    protectionId: m[KEYS.protectionId] || undefined,
  };
}

/** The metadata for `state`, keeping any foreign keys already on the blob. */
export function writeReplicaState(state: ReplicaState, existing: Record<string, string> = {}): Record<string, string> {
  const m: Record<string, string> = { ...existing };
  for (const k of Object.values(KEYS)) delete m[k];
  m[KEYS.epoch] = state.epoch.toString();
  m[KEYS.lastAppliedSequence] = state.lastAppliedSequence.toString();
  m[KEYS.sourceVirtualSize] = String(state.sourceVirtualSize);
  m[KEYS.seedComplete] = state.seedComplete ? '1' : '0';
  if (state.lastAppliedCutTimeMs !== undefined) m[KEYS.lastAppliedCutTimeMs] = String(state.lastAppliedCutTimeMs);
  if (state.lastPointCutTimeMs !== undefined) m[KEYS.lastPointCutTimeMs] = String(state.lastPointCutTimeMs);
  if (state.lastAppPointCutTimeMs !== undefined) m[KEYS.lastAppPointCutTimeMs] = String(state.lastAppPointCutTimeMs);
  if (state.appliedLogs?.length) m[KEYS.appliedLogs] = state.appliedLogs.map((l) => `${l.sequence}:${l.sha256}`).join(',');
  if (state.protectionId) m[KEYS.protectionId] = state.protectionId;
  return m;
}
