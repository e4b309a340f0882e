import type { MaterializedDisk, TargetFabric } from '../../fabric';
import type { ReplicationDeps } from '../../replication/core/ReplicationDeps';
import { materializeVerifiedDisk } from '../../replication/materialize/materializeVerifiedDisk';
import type { MaterializeDiskRequest } from '../plan/MaterializeDiskRequest';

/**
 * One disk of a failover, composed: the fabric hands out the staging blob, replication
 * materialises the disk at the point into it (key check, copy, replay, verify, decrypt), the
 * fabric takes the verified blob as the machine's disk. Idempotent: a replayed activity
 * rewrites the same bytes and gets the same disk.
 */
export async function materializeTargetDisk(deps: { replication: ReplicationDeps; fabric: TargetFabric }, request: MaterializeDiskRequest): Promise<MaterializedDisk> {
  const target = { source: request.source, resourceGroup: request.resourceGroup, machineName: request.machineName, tags: request.tags, hyperVGeneration: request.hyperVGeneration };
  // Copies go through the client on emulators (Azurite aliases server-side page-blob copies): see copyPageBlob.
  const blob = await deps.fabric.stagingBlob(target);
  const verified = await materializeVerifiedDisk(deps.replication, request.source, blob, { point: request.point, key: request.key, keepEncrypted: request.keepEncrypted });
  return deps.fabric.adoptDisk({ ...target, ...verified });
}
