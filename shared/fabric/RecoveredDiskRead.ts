import type { PageBlobClient } from '@azure/storage-blob';

/**
 * A recovered machine's disk, readable as a page blob for one failback round. Local: the disk's
 * own blob. Azure: an incremental snapshot of the managed disk, read through the read-only SAS
 * ARM granted for it. `release` ends the read (Azure: revokes the SAS and deletes the snapshots
 * older than this one, which stays as the base of the next round's diff); call it in a finally.
 */
export interface RecoveredDiskRead {
  blob: PageBlobClient;
  release(): Promise<void>;
}
