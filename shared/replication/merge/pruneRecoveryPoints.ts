import { DiskRef } from '../../contracts/DiskRef';
import { DiskRecoveryPoint } from '../core/DiskRecoveryPoint';
import { ReplicaSnapshotPurpose, listReplicaSnapshots } from '../core/listReplicaSnapshots';
import { deleteJournalEntry, listJournal } from '../journal/ReplicaJournal';
import { replicaClient } from '../core/ReplicaBlob';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationPolicy, retentionMs } from '../core/ReplicationPolicy';
import { ignoreNotFound } from '../core/ignoreNotFound';

/** What a prune removed. */
export interface PruneResult {
  removedPoints: DiskRecoveryPoint[];
  removedJournalEntries: number;
  removedOrphanSnapshots: number;
}

/**
 * The points to keep: every point within the retention window ending at the newest point's cut
 * time, plus the newest point before the window (so that any time inside the window has a
 * snapshot at or before it to replay the journal from). Retention 0 keeps only the newest point.
 */
export function pointsToKeep(points: DiskRecoveryPoint[], policy: ReplicationPolicy): DiskRecoveryPoint[] {
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => a.cutTimeMs - b.cutTimeMs);
  const newest = sorted[sorted.length - 1];
  const retention = retentionMs(policy);
  if (retention === 0) return [newest];
  const boundary = newest.cutTimeMs - retention;
  const inside = sorted.filter((p) => p.cutTimeMs >= boundary);
  const before = sorted.filter((p) => p.cutTimeMs < boundary);
  return before.length > 0 ? [before[before.length - 1], ...inside] : inside;
}

/**
 * Deletes recovery points past retention (snapshot first, then record), snapshots no record
 * names (a crash between snapshot and record), and journal entries no kept point needs: a
 * journal entry of epoch e is kept while it follows the oldest kept point of e; entries of older
 * epochs without any kept point go too. Idempotent; called after each cut and by the sweep.
 */
export async function pruneRecoveryPoints(deps: ReplicationDeps, disk: DiskRef, policy: ReplicationPolicy, currentEpoch: bigint): Promise<PruneResult> {
  const blob = replicaClient(deps, disk);
  const points = await deps.recorder.list(disk);
  const keep = pointsToKeep(points, policy);
  const keepIds = new Set(keep.map((p) => p.id));
  const removedPoints: DiskRecoveryPoint[] = [];
  for (const p of points) {
    if (keepIds.has(p.id)) continue;
    await ignoreNotFound(blob.withSnapshot(p.snapshot).delete());
    await deps.recorder.remove(p);
    removedPoints.push(p);
  }
  const recorded = new Set(keep.map((p) => p.snapshot));
  let removedOrphanSnapshots = 0;
  for (const s of await listReplicaSnapshots(deps, disk)) {
    if (s.purpose !== ReplicaSnapshotPurpose.recoveryPoint || recorded.has(s.snapshot)) continue;
    await ignoreNotFound(blob.withSnapshot(s.snapshot).delete());
    removedOrphanSnapshots++;
  }
  const oldestKept = new Map<bigint, bigint>();
  for (const p of keep) {
    const cur = oldestKept.get(p.epoch);
    if (cur === undefined || p.sequence < cur) oldestKept.set(p.epoch, p.sequence);
  }
  let removedJournalEntries = 0;
  for (const e of await listJournal(deps, disk)) {
    const floor = oldestKept.get(e.epoch);
    const unneeded = floor !== undefined ? e.sequence <= floor : e.epoch < currentEpoch;
    if (!unneeded) continue;
    await deleteJournalEntry(deps, e);
    removedJournalEntries++;
  }
  return { removedPoints, removedJournalEntries, removedOrphanSnapshots };
}
