import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { DiskLease } from './DiskLease';
import { MergeResult } from './MergeResult';
import { listPendingLogs, PendingLog, pendingContainer } from './PendingLog';
import { createReplicaIfAbsent, initializeReplica, replicaClient } from '../core/ReplicaBlob';
import { readReplica } from '../../contracts/readReplica';
import { ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import type { RememberedReplica } from '../core/ReplicaStateCache';
import { ReplicationError } from '../core/ReplicationError';
import { ReplicationSettings } from '../core/ReplicationSettingsSource';
import { tuningOf } from '../core/ReplicationTuning';
import { AdvancedReplica } from './advanceReplica';
import { deliveredNextLog } from './deliveredNextLog';
import { applyValidatedLog } from './applyValidatedLog';
import { expectationFor } from '../journal/logExpectation';
import { DeliveredLog, readPendingLog, ReadLogResult } from './applyLog';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { foreignProtection, judgeAppliedSequenceLog } from './judgeLogIdentity';
import { QuarantineReason, quarantineLog } from './quarantineLog';
import { replicaOfEndedProtection, retireReplica } from './retireReplica';
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

/** How a pass under the lease ended: whether it applied a log, how long it held the lease, and whether to go again at once. */
interface RoundEnd {
  progressed: boolean;
  heldMs: number;
  /**
   * `stale`: this process's remembered replica state was behind (another writer); `changed`: the
   * log being applied is no longer the version read. Either way the next pass reads afresh.
   */
  again?: 'stale' | 'changed';
}

/** How a pass may take its shortcuts; each is dropped for the rest of the call once it misled. */
interface RoundMode {
  /** Use the replica state this process remembers (ReplicaStateCache). */
  remembered: boolean;
  /** Apply the delivered log without listing the disk's logs when it is the next one. */
  delivered: boolean;
}

async function mergeRounds(deps: ReplicationDeps, disk: DiskRef, options: MergeDiskOptions): Promise<MergeResult> {
  const result: MergeResult = { disk, outcome: 'idle', applied: [], appliedBytes: 0, pointsCut: [] };
  const mode: RoundMode = { remembered: true, delivered: true };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const end = await mergeRound(deps, disk, options, result, mode);
    if (end.again === 'stale') mode.remembered = false;
    if (end.again === 'changed') mode.delivered = false;
    if (end.again) continue;
    if (!end.progressed || result.outcome === 'quarantined' || result.outcome === 'busy') break;
    const next = (result.lastAppliedSequence ?? 0n) + 1n;
    if (options.upTo !== undefined && next > options.upTo) break;
    // A log that arrived during the pass has a trigger waiting up to leaseWaitMs for the lease,
    // which then merges it. Only a pass that held the lease about that long can have outlasted
    // such a trigger (it gave up, leaving its log to the sweep): then look once more. Otherwise
    // the look is a listing per merge for nothing (issue 17: 2 of 15 storage calls per small log).
    if (end.heldMs < tuningOf(deps).leaseWaitMs / 2) break;
    mode.delivered = false;
    const pending = await listPendingLogs(pendingContainer(deps), disk);
    if (!pending.some((p) => p.sequence === next)) break;
  }
  return result;
}

/** One lease-holding pass. */
async function mergeRound(deps: ReplicationDeps, disk: DiskRef, options: MergeDiskOptions, result: MergeResult, mode: RoundMode): Promise<RoundEnd> {
  const tuning = tuningOf(deps);
  const blob = replicaClient(deps, disk);
  const idle: RoundEnd = { progressed: false, heldMs: 0 };
  const remembered = mode.remembered ? deps.replicaStates?.get(blob.url) : undefined;
  let existing: RememberedReplica | undefined = remembered?.state ? remembered : await readReplica(blob);
  const fromMemory = () => remembered !== undefined && existing === remembered;
  // Listed before the lease only where it decides something there (no replica yet, or one to
  // retire); a replica in use is listed once, under its lease (or not at all: deliveredNextLog).
  let pending: PendingLog[] = existing?.state ? [] : await listPendingLogs(pendingContainer(deps), disk);
  if (!existing && pending.length === 0) return idle;
  const settings = await deps.settings.settingsFor(disk);
  if (!settings.replicationStopped && replicaOfEndedProtection(existing?.state, settings.protectionId)) {
    // Retiring a replica is decided on what the blob says now, never on a remembered state.
    if (fromMemory()) return { ...idle, again: 'stale' };
    pending = await listPendingLogs(pendingContainer(deps), disk);
    // Only the current protection's own logs retire the old replica; foreign ones go to quarantine.
    pending = await refuseForeignLogs(deps, disk, pending, settings, result);
    if (pending.length === 0) return idle;
    await retireReplica(deps, disk, blob, tuning, existing!.state!.protectionId!);
    existing = undefined;
  }
  if (settings.replicationStopped) {
    result.outcome = 'held';
    result.heldReason = settings.replicationStopped;
    result.epoch = existing?.state?.epoch;
    result.lastAppliedSequence = existing?.state?.lastAppliedSequence;
    deps.log?.(`merge of ${diskKey(disk)} held: ${settings.replicationStopped}`);
    return idle;
  }
  /** The first log, read early when it must seed a replica that does not exist yet. */
  let firstLog: ReadLogResult | undefined;
  if (!existing || !existing.state) {
    pending = await refuseForeignLogs(deps, disk, pending, settings, result);
    const first = pending.find((p) => p.sequence === 1n);
    if (!first) {
      if (result.refused?.length) return idle;
      result.outcome = pending.length > 0 ? 'gap' : 'idle';
      result.waitingFor = 1n;
      return idle;
    }
    // Read before the lease (the replica it seeds does not exist yet): another merge of the same
    // disk (the trigger beside the sweep, two instances) may have applied and deleted it since
    // the listing. That merge holds or held the lease; this one has nothing left to do.
    const read = await ignoreNotFound(readPendingLog(deps, first, expectationFor(disk, undefined, 1n, settings.keyFingerprint), tuning, options.delivered));
    if (!read) {
      result.outcome = 'busy';
      deps.log?.(`merge of ${diskKey(disk)}: its first log was taken by another merge`);
      return idle;
    }
    firstLog = read;
    if (!firstLog.ok) {
      await quarantine(deps, disk, first, firstLog.reason, result);
      return idle;
    }
    await createReplicaIfAbsent(blob, firstLog.log.header.virtualSize);
  }

  let lease: DiskLease;
  try {
    lease = await DiskLease.acquire(blob, tuning.leaseDurationSeconds, options.leaseWaitMs ?? tuning.leaseWaitMs);
  } catch (err) {
    if (fromMemory()) deps.replicaStates?.forget(blob.url);
    if (err instanceof ReplicationError && err.code === 'ReplicaBusy') {
      result.outcome = 'busy';
      deps.log?.(`merge of ${diskKey(disk)} left to the merge holding the lease`);
      return idle;
    }
    // The blob a remembered state described is gone: decide again from what is there.
    if ((err as { statusCode?: number }).statusCode === 404 && fromMemory()) return { ...idle, again: 'stale' };
    throw err;
  }
  const leased = performance.now();
  const end: RoundEnd = { progressed: false, heldMs: 0 };
  /** The replica's ETag and metadata as this pass last read or wrote them; unknown after a write that did not say. */
  let known: AdvancedReplica | undefined;
  let state: ReplicaState | undefined;
  try {
    // Unchanged since the read before the lease, or since this process last wrote it (same ETag:
    // a lease does not change it, any write does): no need to read it again.
    if (existing?.state && lease.etag === existing.etag) {
      state = existing.state;
      known = { etag: existing.etag, metadata: existing.metadata };
    } else if (fromMemory()) {
      // Another writer got in since: what was decided before the lease is decided again.
      end.again = 'stale';
      return end;
    } else {
      const read = await readReplica(blob, lease.leaseId);
      state = read?.state;
      known = read && { etag: read.etag, metadata: read.metadata };
    }
    if (!state && !firstLog) return end; // the seed log we read was another protection's
    if (!state) {
      const seed = firstLog!.ok ? firstLog!.log.header : undefined;
      state = await initializeReplica(blob, disk, lease.leaseId, { epoch: seed!.epoch, sourceVirtualSize: seed!.virtualSize, cutTimeMs: seed!.cutTimeMs });
      known = undefined;
    }
    /** Logs being read ahead; a failed read surfaces when (and if) its turn comes. */
    const prefetched = new Map<bigint, Promise<ReadLogResult>>();
    const readLog = (p: PendingLog, st: ReplicaState): Promise<ReadLogResult> => {
      const r = readPendingLog(deps, p, expectationFor(disk, st, p.sequence, settings.keyFingerprint), tuning, options.delivered);
      r.catch(() => undefined);
      return r;
    };
    // The delivered log when it is simply the next one; otherwise list under the lease: a merge
    // that held it before us may have applied, deleted or quarantined logs of an earlier listing.
    // A lease that had to be waited for means other merges of the disk are at work, a backlog
    // (an agent catching up): listing then applies every waiting log in this one pass.
    const delivered = mode.delivered && !firstLog && !lease.contended ? await deliveredNextLog(deps, disk, state, settings, tuning, options.delivered) : undefined;
    if (delivered) {
      pending = [delivered.log];
      prefetched.set(delivered.log.sequence, Promise.resolve(delivered.read));
    } else {
      pending = await refuseForeignLogs(deps, disk, await listPendingLogs(pendingContainer(deps), disk), settings, result);
    }
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
        return end;
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
        return end;
      }
      if (read.log.header.partialSeed && state.seedComplete) {
        await quarantine(deps, disk, log, {
          code: 'HrlIdentityMismatch',
          message: `log ${next} is flagged as part of a seed, but the seed of epoch ${state.epoch} is complete: a new seed starts with a resync`,
        }, result);
        return end;
      }
      const applied = await applyValidatedLog(deps, disk, lease, state, known, log, read, settings, result);
      if (applied === 'changed') {
        deps.log?.(`merge of ${diskKey(disk)}: log ${next} changed while it was merged; reading the disk's logs again`);
        end.again = 'changed';
        break;
      }
      ({ state, known } = applied);
      end.progressed = true;
    }
    // Logs that arrived during this pass are found by their own trigger, which waits for this
    // lease (or by the look after it is released: mergeRounds).
    if (end.progressed && result.outcome !== 'gap') result.outcome = 'merged';
    if (end.progressed) {
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
  } catch (err) {
    known = undefined;
    throw err;
  } finally {
    end.heldMs = performance.now() - leased;
    await lease.release();
    // What this pass leaves behind, for the next merge of this disk in this process.
    if (known && state) deps.replicaStates?.set(blob.url, known);
    else deps.replicaStates?.forget(blob.url);
  }
  return end;
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
