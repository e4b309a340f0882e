import type { PageBlobClient } from '@azure/storage-blob';
import { HrlHeader } from '../../hrl';
import { DiskRecoveryPoint, recoveryPointId } from '../core/DiskRecoveryPoint';
import { RecoveryPointKind } from '../core/ReplicationPolicy';
import { ReplicaState, writeReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import type { MergeResult } from './MergeResult';

/**
 * Snapshots the replica right after log `header.sequence` was applied and records the point.
 * The snapshot's metadata repeats the replica state and the point's type, so a snapshot
 * describes itself even if its record is lost.
 */
export async function cutRecoveryPoint(
  deps: ReplicationDeps,
  disk: DiskRef,
  blob: PageBlobClient,
  state: ReplicaState,
  header: HrlHeader,
  type: RecoveryPointKind,
): Promise<DiskRecoveryPoint> {
  const snap = await blob.createSnapshot({ metadata: { ...writeReplicaState(state), pointtype: type, purpose: 'recoverypoint' } });
  const point: DiskRecoveryPoint = {
    disk,
    id: recoveryPointId(disk, header.epoch, header.sequence),
    epoch: header.epoch,
    sequence: header.sequence,
    cutTimeMs: header.cutTimeMs,
    type,
    diskDigest: header.diskDigest.toString('hex'),
    snapshot: snap.snapshot!,
    sourceVirtualSize: header.virtualSize,
  };
  await deps.recorder.record(point);
  deps.log?.(`recovery point ${point.id} (${type}) at ${new Date(point.cutTimeMs).toISOString()}`, { snapshot: point.snapshot });
  return point;
}

/**
 * {@link cutRecoveryPoint}, but a failed cut (the snapshot or its record refused) does not fail
 * the merge: the log is applied and stays so, and the disk gets a Warning health issue
 * `RecoveryPointCutFailed` (the item's event says so). The replica state keeps the previous
 * point's cut time, so the next log's merge is due to cut again; a merge whose newest cut works
 * closes the issue. Returns undefined when the cut failed (noted in `result.pointCutFailed`).
 */
export async function cutRecoveryPointOrReport(
  deps: ReplicationDeps,
  disk: DiskRef,
  blob: PageBlobClient,
  state: ReplicaState,
  header: HrlHeader,
  type: RecoveryPointKind,
  result: MergeResult,
): Promise<DiskRecoveryPoint | undefined> {
  try {
    const point = await cutRecoveryPoint(deps, disk, blob, state, header, type);
    delete result.pointCutFailed;
    return point;
  } catch (err) {
    const message = (err as Error).message?.split('\n')[0] ?? String(err);
    result.pointCutFailed = { sequence: header.sequence, message };
    deps.log?.(`recovery point after log ${header.sequence} not cut: ${message}`, { disk: diskKey(disk) });
    await deps.health.raise(disk, {
      severity: 'Warning',
      code: 'RecoveryPointCutFailed',
      message: `The ${type} recovery point of disk ${disk.disk} after log ${header.sequence} (${new Date(header.cutTimeMs).toISOString()}) could not be cut: ${message}. The log is applied; the newest recovery point is older than the replica.`,
      recommendedAction: 'None needed if the next recovery point is cut (the next merged log tries again). If it persists, check the replica storage account (snapshot limits, throttling) and the metadata store.',
    });
    return undefined;
  }
}
