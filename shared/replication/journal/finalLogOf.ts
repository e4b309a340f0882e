import { parseHrl } from '../../hrl';
import type { DiskRef } from '../../contracts/DiskRef';
import { journalBlob } from '../../contracts/ReplicaBlobLayout';
import { readReplica } from '../../contracts/readReplica';
import { replicaClient } from '../core/ReplicaBlob';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import { journalContainer } from './ReplicaJournal';

/**
 * Planned failover: is the newest merged log (`mergedUpTo`, what a drain reached) the agent's
 * final one (`finalPlannedFailover`)? Undefined = not yet. The caller drains first.
 */
export async function finalLogOf(deps: ReplicationDeps, disk: DiskRef, mergedUpTo: bigint | undefined): Promise<{ epoch: string; sequence: string } | undefined> {
  const replica = await readReplica(replicaClient(deps, disk));
  if (!replica?.state || mergedUpTo === undefined || mergedUpTo === 0n) return undefined;
  const blob = journalContainer(deps).getBlobClient(journalBlob(disk, replica.state.epoch, mergedUpTo));
  const log = parseHrl(await blob.downloadToBuffer());
  return log.header.finalPlannedFailover ? { epoch: replica.state.epoch.toString(), sequence: mergedUpTo.toString() } : undefined;
}
