import { DiskRef } from '../../contracts/DiskRef';
import { REPLICA_CONTAINERS, replicaBlob } from '../../contracts/ReplicaBlobLayout';
import { ReplicationDeps } from './ReplicationDeps';

/** Why a snapshot of a replica exists (its `purpose` metadata). */
export const ReplicaSnapshotPurpose = {
  /** A recovery point; pruned with its record. */
  recoveryPoint: 'recoverypoint',
  /** A temporary base for materialising the latest state; deleted by whoever made it. */
  materialize: 'materialize',
} as const;

export interface ReplicaSnapshot {
  snapshot: string;
  purpose?: string;
  metadata: Record<string, string>;
}

/** The replica's snapshots (not the base blob). */
export async function listReplicaSnapshots(deps: ReplicationDeps, disk: DiskRef): Promise<ReplicaSnapshot[]> {
  const name = replicaBlob(disk);
  const out: ReplicaSnapshot[] = [];
  const container = deps.blobs.getContainerClient(REPLICA_CONTAINERS.replicas);
  for await (const b of container.listBlobsFlat({ prefix: name, includeSnapshots: true, includeMetadata: true })) {
    if (b.name !== name || !b.snapshot) continue;
    out.push({ snapshot: b.snapshot, purpose: b.metadata?.purpose, metadata: b.metadata ?? {} });
  }
  return out;
}
