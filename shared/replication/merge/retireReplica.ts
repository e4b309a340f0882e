import type { PageBlobClient } from '@azure/storage-blob';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { DiskLease } from './DiskLease';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { deleteJournalEntry, listJournal } from '../journal/ReplicaJournal';
import { ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationTuning } from '../core/ReplicationTuning';

/**
 * The replica belongs to a protection that has ended: its state names another protection id
 * than the item's (protection was disabled and enabled again under the same name). Its recovery
 * points went with the old item; the new protection seeds from log 1 into a fresh replica.
 */
export function replicaOfEndedProtection(state: ReplicaState | undefined, protectionId: string | undefined): boolean {
  return !!state?.protectionId && !!protectionId && state.protectionId !== protectionId;
}

/**
 * Deletes such a replica (with its snapshots, under its lease) and its journal, so the new
 * protection's first log creates a fresh one. Called only when a log of the item's current
 * protection is waiting; another protection's logs never trigger it.
 */
export async function retireReplica(deps: ReplicationDeps, disk: DiskRef, blob: PageBlobClient, tuning: ReplicationTuning, endedProtectionId: string): Promise<void> {
  const lease = await DiskLease.acquire(blob, tuning.leaseDurationSeconds, tuning.leaseWaitMs);
  try {
    await blob.delete({ deleteSnapshots: 'include', conditions: { leaseId: lease.leaseId } });
  } finally {
    await lease.release();
  }
  for (const e of await listJournal(deps, disk)) await deleteJournalEntry(deps, e);
  deps.log?.(`replica of ${diskKey(disk)} retired: it held protection ${endedProtectionId}, which has ended`);
}
