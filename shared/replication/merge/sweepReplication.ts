import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { mergeDisk } from './mergeDisk';
import { MergeResult } from './MergeResult';
import { parsePendingLogBlob, sequenceOfLogName } from '../../contracts/ReplicaBlobLayout';
import { listPendingLogs, PendingLog, pendingContainer } from './PendingLog';
import { epochOfPendingLog } from './epochOfPendingLog';
import { ignoreNotFound } from '../core/ignoreNotFound';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { tuningOf } from '../core/ReplicationTuning';
import { METRICS, recordMetric } from '../../telemetry';

/** What the sweep found about one disk with pending logs. */
export interface SweepFinding {
  disk: DiskRef;
  /** What the sweep's merge did (absent if it failed, see `error`). */
  merge?: MergeResult;
  /** Logs still pending after the merge, and the age of the oldest (ms, by the wall clock). */
  pendingAfter: number;
  oldestPendingAgeMs: number;
  /** `gap`/`lag` raise a Warning on the item; `quarantined` is already Critical. */
  problem?: 'gap' | 'lag' | 'quarantined' | 'error';
  error?: string;
}

export interface SweepReport {
  /** Disks that had pending logs. */
  disks: number;
  /** Of those, disks whose logs were all younger than the grace: left to their triggers, not touched. */
  leftToTrigger: number;
  /** Blobs the one listing of `hrl` returned (pending logs only: merged logs are deleted from it). */
  listed: number;
  findings: SweepFinding[];
}

/**
 * The periodic safety net behind the blob trigger (which may fire late, twice or never for a
 * log that arrived while another merge held the lease). Its work is proportional to what is
 * waiting, not to the disks protected: one listing of `hrl` (which holds only logs not yet merged;
 * idle disks have none there), and only disks whose oldest log is older than the grace
 * (`sweepGraceMs`: the trigger had its turn) are touched. For each of those it runs a merge, then
 * judges what is left:
 * - a gap (logs waiting behind a missing one) older than one replication interval raises a
 *   `ReplicationGap` Warning naming the missing log;
 * - any pending log older than two intervals (a stuck or slow merge) raises `ReplicationLag`;
 * - a merge that makes progress clears both (see mergeDisk).
 * One disk's failure does not stop the sweep; it is reported.
 */
export async function sweepReplication(deps: ReplicationDeps): Promise<SweepReport> {
  const now = (deps.now ?? (() => new Date()))().getTime();
  const grace = tuningOf(deps).sweepGraceMs;
  /** Disk → its oldest pending log's upload time and how many logs wait. */
  const disks = new Map<string, { disk: DiskRef; oldest: number; waiting: number }>();
  let listed = 0;
  for await (const b of pendingContainer(deps).listBlobsFlat()) {
    listed++;
    const parsed = parsePendingLogBlob(b.name);
    if (!parsed || sequenceOfLogName(parsed.fileName) === undefined) continue;
    const key = diskKey(parsed.disk);
    const at = b.properties.lastModified.getTime();
    const seen = disks.get(key) ?? { disk: parsed.disk, oldest: at, waiting: 0 };
    disks.set(key, { ...seen, oldest: Math.min(seen.oldest, at), waiting: seen.waiting + 1 });
  }
  const findings: SweepFinding[] = [];
  let leftToTrigger = 0;
  for (const { disk, oldest, waiting } of disks.values()) {
    if (now - oldest < grace) {
      leftToTrigger++;
      recordMetric(METRICS.logsWaiting, waiting, { 'asr.vault': disk.vault, 'asr.item': disk.item, 'asr.disk': disk.disk });
      continue;
    }
    findings.push(await sweepDisk(deps, disk, now));
  }
  if (findings.some((f) => f.problem)) {
    deps.log?.(`replication sweep: ${findings.filter((f) => f.problem).length} of ${findings.length} disks need attention`, {
      problems: findings.filter((f) => f.problem).map((f) => ({ disk: diskKey(f.disk), problem: f.problem, error: f.error })),
    });
  }
  return { disks: disks.size, leftToTrigger, listed, findings };
}

/**
 * Deletes waiting logs of an epoch older than the replica's: stragglers an agent uploaded while a
 * repair moved the replica to a new epoch (the repair dropped what was pending, not what came
 * after). They can never be applied, and left alone they would look like a gap. Returns whether
 * it deleted any.
 */
async function dropStaleEpochLogs(deps: ReplicationDeps, pending: PendingLog[], replicaEpoch: bigint): Promise<boolean> {
  let dropped = false;
  for (const p of pending) {
    const epoch = await epochOfPendingLog(deps, p);
    if (typeof epoch === 'bigint' && epoch < replicaEpoch) {
      await ignoreNotFound(pendingContainer(deps).getBlobClient(p.blobName).delete());
      deps.log?.(`dropped ${p.blobName}: a log of epoch ${epoch}, the replica is at epoch ${replicaEpoch}`);
      dropped = true;
    }
  }
  return dropped;
}

/**
 * What to do about a gap. The agent uploads a disk's logs in order, each create-only and
 * confirmed before the next, so a log missing while later ones wait is lost, not late: storage
 * lost acknowledged writes (an emulator killed, a storage account failover). Only a repair fixes it.
 */
export function repairAction(disk: DiskRef): string {
  const vault = disk.vault.split('~').pop();
  return `Repair replication: 'asr item resync ${vault} ${disk.item}' (ASR: POST …/replicationProtectedItems/${disk.item}/repairReplication). ` +
    'A new epoch ships only the blocks that differ from the replica. A running agent does this by itself at its next sync when the replica went back below what it had acknowledged.';
}

async function sweepDisk(deps: ReplicationDeps, disk: DiskRef, now: number): Promise<SweepFinding> {
  let merge: MergeResult | undefined;
  let error: string | undefined;
  try {
    merge = await mergeDisk(deps, disk, { leaseWaitMs: 2_000 });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  let pending = await listPendingLogs(pendingContainer(deps), disk);
  if (merge?.outcome === 'gap' && merge.epoch !== undefined && (await dropStaleEpochLogs(deps, pending, merge.epoch))) {
    pending = await listPendingLogs(pendingContainer(deps), disk);
  }
  const oldest = pending.reduce((m, p) => Math.min(m, p.lastModified.getTime()), now);
  const finding: SweepFinding = { disk, merge, pendingAfter: pending.length, oldestPendingAgeMs: now - oldest, error };
  recordMetric(METRICS.logsWaiting, pending.length, { 'asr.vault': disk.vault, 'asr.item': disk.item, 'asr.disk': disk.disk });
  if (error) return { ...finding, problem: 'error' };
  if (merge?.outcome === 'quarantined' || pending.length === 0) return { ...finding, problem: merge?.outcome === 'quarantined' ? 'quarantined' : undefined };
  const interval = (await deps.settings.settingsFor(disk)).policy.replicationInterval * 1000;
  if (merge?.outcome === 'gap' && finding.oldestPendingAgeMs > interval) {
    const waiting = pending.filter((p) => p.sequence > merge!.waitingFor!);
    await deps.health.raise(disk, {
      severity: 'Warning',
      code: 'ReplicationGap',
      message: `Replica log ${merge.waitingFor} of disk ${disk.disk} has not arrived; ${waiting.length} later log(s) wait behind it, the oldest for ${Math.round(finding.oldestPendingAgeMs / 1000)} s. The replica stays at log ${merge.lastAppliedSequence ?? 0}.`,
      recommendedAction: repairAction(disk),
    });
    return { ...finding, problem: 'gap' };
  }
  if (finding.oldestPendingAgeMs > 2 * interval) {
    await deps.health.raise(disk, {
      severity: 'Warning',
      code: 'ReplicationLag',
      message: `${pending.length} replica log(s) of disk ${disk.disk} are waiting to be merged, the oldest for ${Math.round(finding.oldestPendingAgeMs / 1000)} s (policy interval ${interval / 1000} s); last outcome: ${merge?.outcome}.`,
      recommendedAction: 'Check the merge function\'s logs and the replica blob\'s lease; the next sweep retries.',
    });
    return { ...finding, problem: 'lag' };
  }
  return finding;
}
