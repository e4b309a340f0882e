import { ParsedHrl } from '../../hrl';
import { DiskRef } from '../../contracts/DiskRef';
import { logChecksum } from '../../contracts/logChecksum';
import { ReplicaState, withAppliedLog } from '../../contracts/ReplicaState';
import { replicaClient } from '../core/ReplicaBlob';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { recoveryPointWanted } from '../core/ReplicationPolicy';
import { ReplicationSettings } from '../core/ReplicationSettingsSource';
import { tuningOf } from '../core/ReplicationTuning';
import { ignoreGone } from '../core/ignoreNotFound';
import { journalLog } from '../journal/ReplicaJournal';
import { AdvancedReplica, advanceReplica } from './advanceReplica';
import { writeLogPages } from './applyLog';
import { cutRecoveryPointOrReport } from './cutRecoveryPoint';
import { DiskLease } from './DiskLease';
import { MergeResult } from './MergeResult';
import { pendingContainer, PendingLog } from './PendingLog';
import { pruneRecoveryPoints } from './pruneRecoveryPoints';

/**
 * Applies one validated log under the lease. Journal, pages, advance, delete, recovery point: the
 * order that makes a crash harmless (docs/replication.md, "Crash guarantees"). `known` is the
 * replica's ETag and metadata as the pass last saw them; the result's, for the next log.
 * `changed`: the pending log is no longer the version read (nothing was written).
 */
export async function applyValidatedLog(
  deps: ReplicationDeps,
  disk: DiskRef,
  lease: DiskLease,
  state: ReplicaState,
  known: AdvancedReplica | undefined,
  log: PendingLog,
  read: { log: ParsedHrl; bytes: Buffer },
  settings: ReplicationSettings,
  result: MergeResult,
): Promise<{ state: ReplicaState; known: AdvancedReplica | undefined } | 'changed'> {
  const tuning = tuningOf(deps);
  const blob = replicaClient(deps, disk);
  const parsed = read.log;
  const h = parsed.header;
  // Copied from the version that was read and validated, or not at all: the journal then holds
  // exactly what is applied, and a log replaced or taken since is left to a fresh look.
  if (!(await journalLog(deps, disk, log.blobName, h, log.etag || undefined))) return 'changed';
  const written = await writeLogPages(deps, blob, lease.leaseId, parsed, tuning);
  lease.assertHeld();
  // Under the lease the last Put Page's ETag is the blob's: the advance needs no read before it.
  const afterPages = written === 'unchanged' ? known : written && known ? { etag: written, metadata: known.metadata } : undefined;
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
  let advanced = await advanceReplica(blob, lease.leaseId, state, next, afterPages);
  result.applied.push(h.sequence);
  result.appliedBytes += log.sizeBytes;
  result.lastAppliedSequence = h.sequence;
  // Only the version applied: one the agent put there since is judged by its own trigger.
  await ignoreGone(pendingContainer(deps).getBlobClient(log.blobName).delete(log.etag ? { conditions: { ifMatch: `"${log.etag}"` } } : {}));

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
    if (!point) return { state: next, known: advanced };
    result.pointsCut.push(point);
    const withPoint: ReplicaState = {
      ...next,
      lastPointCutTimeMs: h.cutTimeMs,
      lastAppPointCutTimeMs: kind === 'AppConsistent' ? h.cutTimeMs : next.lastAppPointCutTimeMs,
    };
    // Right after the advance above, under the lease: its ETag spares reading the state again.
    advanced = await advanceReplica(blob, lease.leaseId, next, withPoint, advanced);
    next = withPoint;
    await pruneRecoveryPoints(deps, disk, settings.policy, next.epoch);
  }
  return { state: next, known: advanced };
}
