import type { PageBlobClient } from '@azure/storage-blob';
import { HrlHeader } from '../../hrl';
import { DiskRef } from '../../contracts/DiskRef';
import { DiskRecoveryPoint, recoveryPointId } from '../core/DiskRecoveryPoint';
import { RecoveryPointKind } from '../core/ReplicationPolicy';
import { ReplicaState, writeReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';

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
