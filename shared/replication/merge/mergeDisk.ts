import { ParsedHrl } from '../../hrl';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { DiskLease } from './DiskLease';
import { MergeResult } from './MergeResult';
import { listPendingLogs, PendingLog, pendingContainer } from './PendingLog';
import { createReplicaIfAbsent, initializeReplica, replicaClient } from '../core/ReplicaBlob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicaState, withAppliedLog } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import { ReplicationSettings } from '../core/ReplicationSettingsSource';
import { ReplicationTuning, tuningOf } from '../core/ReplicationTuning';
import { advanceReplica } from './advanceReplica';
import { expectationFor } from '../journal/logExpectation';
import { DeliveredLog, readPendingLog, ReadLogResult, writeLogPages } from './applyLog';
import { cutRecoveryPointOrReport } from './cutRecoveryPoint';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { foreignProtection, judgeAppliedSequenceLog } from './judgeLogIdentity';
import { logChecksum } from '../../contracts/logChecksum';
import { journalLog } from '../journal/ReplicaJournal';
import { pruneRecoveryPoints } from './pruneRecoveryPoints';
import { QuarantineReason, quarantineLog } from './quarantineLog';
import { replicaOfEndedProtection, retireReplica } from './retireReplica';
import { recoveryPointWanted } from '../core/ReplicationPolicy';
import { inSpan, METRICS, recordMetric, SPANS, traceMessage } from '../../telemetry';

export interface MergeDiskOptions {
  /** Apply no log past this sequence (a failover drain); default: everything consecutive. */
  upTo?: bigint;
  /** Override how long to wait for another merge's lease. */
  leaseWaitMs?: number;
  /** A log's bytes already read (the blob trigger's input): used instead of a download if still that version. */
  delivered?: DeliveredLog;
}

/** Most rounds of "merge, release, look again" one call makes before leaving the rest to the next trigger. */
const MAX_ROUNDS = 50;

/**
 * Merges a disk's pending logs into its replica, in strict sequence order. See
 * docs/replication.md for the algorithm and its crash guarantees; in short: under the replica's
 * lease, each next log is validated whole, its pages written, it is copied into the journal,
 * and only then `lastAppliedSequence` advances (If-Match + lease), so a crash replays at most
 * one log. A missing log stops the merge (a later trigger or the sweep resumes it); a bad log is
 * quarantined and stops the disk. Safe to call any number of times, concurrently, for any log.
 */
export function mergeDisk(deps: ReplicationDeps, disk: DiskRef, options: MergeDiskOptions = {}): Promise<MergeResult> {
  return inSpan(SPANS.merge, { 'asr.vault': disk.vault, 'asr.item': disk.item, 'asr.disk': disk.disk }, async () => {
    const started = performance.now();
    const result = await mergeRounds(deps, disk, options);
    const ms = performance.now() - started;
    recordMergeMetrics(result, ms);
    traceMessage(`merge of ${diskKey(disk)}: ${result.outcome}, ${result.applied.length} log(s), ${result.appliedBytes} bytes in ${Math.round(ms)} ms`,
      { 'asr.merge.outcome': result.outcome, 'asr.merge.last_applied': String(result.lastAppliedSequence ?? '') });
    return result;
  });
}

/** Latency of every merge that looked at logs; bytes and throughput of those that applied some. */
function recordMergeMetrics(result: MergeResult, ms: number): void {
  if (result.outcome === 'idle' && result.applied.length === 0) return;
  const vault = { 'asr.vault': result.disk.vault };
  recordMetric(METRICS.mergeDuration, ms, { ...vault, 'asr.merge.outcome': result.outcome });
  if (result.appliedBytes > 0) {
    recordMetric(METRICS.mergeBytes, result.appliedBytes, vault);
    recordMetric(METRICS.mergeThroughput, result.appliedBytes / (Math.max(ms, 1) / 1000), vault);
  }
}

async function mergeRounds(deps: ReplicationDeps, disk: DiskRef, options: MergeDiskOptions): Promise<MergeResult> {
  const result: MergeResult = { disk, outcome: 'idle', applied: [], appliedBytes: 0, pointsCut: [] };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const progressed = await mergeRound(deps, disk, options, result);
    // The lease is released: look once more, so a log that arrived while we held the lease (and
    // whose trigger gave up on it) is not left for the sweep.
    if (!progressed || result.outcome === 'quarantined' || result.outcome === 'busy') break;
    const next = (result.lastAppliedSequence ?? 0n) + 1n;
    if (options.upTo !== undefined && next > options.upTo) break;
    const pending = await listPendingLogs(pendingContainer(deps), disk);
    if (!pending.some((p) => p.sequence === next)) break;
  }
  return result;
}

/** One lease-holding pass. Returns true if it applied at least one log. */
async function mergeRound(deps: ReplicationDeps, disk: DiskRef, options: MergeDiskOptions, result: MergeResult): Promise<boolean> {
  const tuning = tuningOf(deps);
  const blob = replicaClient(deps, disk);
  let existing = await readReplica(blob);
  // Listed before the lease only where it decides something there (no replica yet, or one to
  // retire); a replica in use is listed once, under its lease.
  let pending: PendingLog[] = existing?.state ? [] : await listPendingLogs(pendingContainer(deps), disk);
  if (!existing && pending.length === 0) return false;
  const settings = await deps.settings.settingsFor(disk);
  if (!settings.replicationStopped && replicaOfEndedProtection(existing?.state, settings.protectionId)) {
    pending = await listPendingLogs(pendingContainer(deps), disk);
    // Only the current protection's own logs retire the old replica; foreign ones go to quarantine.
    pending = await refuseForeignLogs(deps, disk, pending, settings, result);
    if (pending.length === 0) return false;
    await retireReplica(deps, disk, blob, tuning, existing!.state!.protectionId!);
    existing = undefined;
  }
  if (settings.replicationStopped) {
    result.outcome = 'held';
    result.heldReason = settings.replicationStopped;
    result.epoch = existing?.state?.epoch;
    result.lastAppliedSequence = existing?.state?.lastAppliedSequence;
    deps.log?.(`merge of ${diskKey(disk)} held: ${settings.replicationStopped}`);
    return false;
  }
  /** The first log, read early when it must seed a replica that does not exist yet. */
  let firstLog: ReadLogResult | undefined;
  if (!existing || !existing.state) {
    pending = await refuseForeignLogs(deps, disk, pending, settings, result);
    const first = pending.find((p) => p.sequence === 1n);
    if (!first) {
      if (result.refused?.length) return false;
      result.outcome = pending.length > 0 ? 'gap' : 'idle';
      result.waitingFor = 1n;
      return false;
    }
    // Read before the lease (the replica it seeds does not exist yet): another merge of the same
    // disk (the trigger beside the sweep, two instances) may have applied and deleted it since
    // the listing. That merge holds or held the lease; this one has nothing left to do.
    const read = await ignoreNotFound(readPendingLog(deps, first, expectationFor(disk, undefined, 1n, settings.keyFingerprint), tuning, options.delivered));
    if (!read) {
      result.outcome = 'busy';
      deps.log?.(`merge of ${diskKey(disk)}: its first log was taken by another merge`);
      return false;
    }
    firstLog = read;
    if (!firstLog.ok) {
      await quarantine(deps, disk, first, firstLog.reason, result);
      return false;
    }
    await createReplicaIfAbsent(blob, firstLog.log.header.virtualSize);
  }

  let lease: DiskLease;
  try {
    lease = await DiskLease.acquire(blob, tuning.leaseDurationSeconds, options.leaseWaitMs ?? tuning.leaseWaitMs);
  } catch (err) {
    if (err instanceof ReplicationError && err.code === 'ReplicaBusy') {
      result.outcome = 'busy';
      deps.log?.(`merge of ${diskKey(disk)} left to the merge holding the lease`);
      return false;
    }
    throw err;
  }
  let progressed = false;
  try {
    // List again under the lease: a merge that held it before us may have applied, deleted or
    // quarantined logs of the listing taken while we waited.
    pending = await refuseForeignLogs(deps, disk, await listPendingLogs(pendingContainer(deps), disk), settings, result);
    // Unchanged since the read before the lease (same ETag: a lease does not change it, a metadata
    // write does): no need to read it again.
    let state = existing?.state && lease.etag === existing.etag ? existing.state : (await readReplica(blob, lease.leaseId))?.state;
    if (!state && !firstLog) return false; // the seed log we read was another protection's
    if (!state) {
      const seed = firstLog!.ok ? firstLog!.log.header : undefined;
      state = await initializeReplica(blob, disk, lease.leaseId, { epoch: seed!.epoch, sourceVirtualSize: seed!.virtualSize, cutTimeMs: seed!.cutTimeMs });
    }
    /** Logs being read ahead; a failed read surfaces when (and if) its turn comes. */
    const prefetched = new Map<bigint, Promise<ReadLogResult>>();
    const readLog = (p: PendingLog, st: ReplicaState): Promise<ReadLogResult> => {
      const r = readPendingLog(deps, p, expectationFor(disk, st, p.sequence, settings.keyFingerprint), tuning, options.delivered);
      r.catch(() => undefined);
      return r;
    };
    result.epoch = state.epoch;
    result.lastAppliedSequence = state.lastAppliedSequence;
    // Logs at or below the applied sequence, judged by content (judgeLogIdentity): the log
    // applied there again (a redelivery, or a crash before the delete) or a straggler of an
    // older epoch goes away; a divergent one is quarantined (the merge goes on: the replica
    // keeps what it applied); a newer epoch's log, sent without a resync, stops the disk.
    for (const p of pending.filter((x) => x.sequence <= state!.lastAppliedSequence)) {
      const verdict = await judgeAppliedSequenceLog(deps, disk, p, state, tuning.maxLogBytes);
      if (verdict.kind === 'gone') continue;
      if (verdict.kind === 'drop') {
        await ignoreNotFound(pendingContainer(deps).getBlobClient(p.blobName).delete());
        continue;
      }
      if (verdict.stopsDisk) {
        await quarantine(deps, disk, p, verdict.reason, result);
        return progressed;
      }
      await refuse(deps, disk, p, verdict.reason, result);
    }
    // Each round judges afresh: a gap seen by an earlier round may have been filled since.
    result.outcome = result.applied.length > 0 ? 'merged' : 'idle';
    result.waitingFor = undefined;
    for (;;) {
      const next = state.lastAppliedSequence + 1n;
      if (options.upTo !== undefined && next > options.upTo) break;
      const log = pending.find((p) => p.sequence === next);
      if (!log) {
        if (pending.some((p) => p.sequence > next)) {
          result.outcome = 'gap';
          result.waitingFor = next;
        }
        break;
      }
      lease.assertHeld();
      // The seed log was validated before the replica had a state: reuse it only if it matches.
      const seedFits = firstLog?.ok && next === 1n && firstLog.log.header.epoch === state.epoch && firstLog.log.header.virtualSize === state.sourceVirtualSize;
      const read = seedFits ? firstLog! : await (prefetched.get(next) ?? readLog(log, state));
      firstLog = undefined;
      prefetched.delete(next);
      // Read and validate the next log while this one's pages are written: the download then
      // hides behind the Put Page calls instead of adding to them.
      const ahead = pending.find((p) => p.sequence === next + 1n);
      if (read.ok && ahead && (options.upTo === undefined || ahead.sequence <= options.upTo)) prefetched.set(ahead.sequence, readLog(ahead, state));
      if (!read.ok) {
        await quarantine(deps, disk, log, read.reason, result);
        return progressed;
      }
      if (read.log.header.partialSeed && state.seedComplete) {
        await quarantine(deps, disk, log, {
          code: 'HrlIdentityMismatch',
          message: `log ${next} is flagged as part of a seed, but the seed of epoch ${state.epoch} is complete: a new seed starts with a resync`,
        }, result);
        return progressed;
      }
      state = await applyValidatedLog(deps, disk, lease, state, log, read, settings, result);
      progressed = true;
    }
    // Logs that arrived during this pass are found by the look after the lease is released
    // (mergeRounds), or by their own trigger, which waits for this lease: one listing less per merge.
    if (progressed && result.outcome !== 'gap') result.outcome = 'merged';
    if (progressed) {
      const point = result.pointsCut[result.pointsCut.length - 1];
      await deps.health.recordMerged(disk, {
        epoch: Number(state.epoch),
        lastAppliedSequence: Number(state.lastAppliedSequence),
        lastAppliedCutTimeMs: state.lastAppliedCutTimeMs,
        seedComplete: state.seedComplete,
        newestPoint: point && { id: point.id, cutTimeMs: point.cutTimeMs, type: point.type },
      }, [
        ...(result.outcome === 'gap' ? ['ReplicationLag' as const] : ['ReplicationGap' as const, 'ReplicationLag' as const]),
        // The newest cut this round worked: an earlier cut failure is over.
        ...(point && !result.pointCutFailed ? ['RecoveryPointCutFailed' as const] : []),
      ]);
    }
  } finally {
    await lease.release();
  }
  return progressed;
}

async function quarantine(deps: ReplicationDeps, disk: DiskRef, log: PendingLog, reason: { code: string; message: string }, result: MergeResult): Promise<void> {
  const blobName = await quarantineLog(deps, disk, log, reason);
  result.outcome = 'quarantined';
  result.quarantined = { sequence: log.sequence, code: reason.code, message: reason.message, blobName };
}

/** Quarantines a log without stopping the disk (divergent or foreign: the replica is not in question). */
async function refuse(deps: ReplicationDeps, disk: DiskRef, log: PendingLog, reason: QuarantineReason, result: MergeResult): Promise<void> {
  const blobName = await quarantineLog(deps, disk, log, reason);
  (result.refused ??= []).push({ sequence: log.sequence, code: reason.code, message: reason.message, blobName });
}

/** Quarantines at once every pending log stamped with another protection's id; returns the others. */
async function refuseForeignLogs(deps: ReplicationDeps, disk: DiskRef, pending: PendingLog[], settings: ReplicationSettings, result: MergeResult): Promise<PendingLog[]> {
  const kept: PendingLog[] = [];
  for (const p of pending) {
    const foreign = foreignProtection(disk, p, settings);
    if (foreign) await refuse(deps, disk, p, foreign, result);
    else kept.push(p);
  }
  return kept;
}

/** Pages, journal, advance, delete, recovery point: the order that makes a crash harmless. */
async function applyValidatedLog(
  deps: ReplicationDeps,
  disk: DiskRef,
  lease: DiskLease,
  state: ReplicaState,
  log: PendingLog,
  read: { log: ParsedHrl; bytes: Buffer },
  settings: ReplicationSettings,
  result: MergeResult,
): Promise<ReplicaState> {
  const tuning = tuningOf(deps);
  const blob = replicaClient(deps, disk);
  const parsed = read.log;
  const h = parsed.header;
  await writeLogPages(deps, blob, lease.leaseId, parsed, tuning);
  lease.assertHeld();
  await journalLog(deps, disk, log.blobName, h);
  // A seed's last log makes the replica a whole disk; until then it holds part of one.
  const completesSeed = !state.seedComplete && !h.partialSeed;
  // The log's checksum joins the applied window in the same conditional write that advances the
  // sequence: a crash can lose neither without the other.
  let next: ReplicaState = {
    ...state,
    lastAppliedSequence: h.sequence,
    lastAppliedCutTimeMs: h.cutTimeMs,
    seedComplete: state.seedComplete || !h.partialSeed,
    appliedLogs: withAppliedLog(state, { sequence: h.sequence, sha256: logChecksum(read.bytes) }),
    ...(settings.protectionId ? { protectionId: settings.protectionId } : {}),
  };
  const advanced = await advanceReplica(blob, lease.leaseId, state, next);
  result.applied.push(h.sequence);
  result.appliedBytes += log.sizeBytes;
  result.lastAppliedSequence = h.sequence;
  await ignoreNotFound(pendingContainer(deps).getBlobClient(log.blobName).delete());

  // No point inside a seed; the log that completes one always gets the epoch's first point (a
  // failover needs a snapshot to start from), then the policy decides.
  const kind = !next.seedComplete ? undefined : recoveryPointWanted(
    settings.policy,
    { cutTimeMs: h.cutTimeMs, consistency: h.consistency },
    completesSeed ? {} : { pointCutTimeMs: next.lastPointCutTimeMs, appPointCutTimeMs: next.lastAppPointCutTimeMs },
    tuning.crashPointIntervalMs,
  );
  if (kind) {
    lease.assertHeld();
    const point = await cutRecoveryPointOrReport(deps, disk, blob, next, h, kind, result);
    if (!point) return next;
    result.pointsCut.push(point);
    const withPoint: ReplicaState = {
      ...next,
      lastPointCutTimeMs: h.cutTimeMs,
      lastAppPointCutTimeMs: kind === 'AppConsistent' ? h.cutTimeMs : next.lastAppPointCutTimeMs,
    };
    // Right after the advance above, under the lease: its ETag spares reading the state again.
    await advanceReplica(blob, lease.leaseId, next, withPoint, advanced);
    next = withPoint;
    await pruneRecoveryPoints(deps, disk, settings.policy, next.epoch);
  }
  return next;
}
