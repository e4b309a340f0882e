import type { DiskAtPoint } from '../contracts/DiskAtPoint';
import type { DiskRef } from '../contracts/DiskRef';

/**
 * A disk in the target, made from a recovery point. JSON-safe: an activity returns it and the
 * orchestrator passes it on to `createMachine`.
 */
export interface MaterializedDisk extends DiskAtPoint {
  source: DiskRef;
  /** Disk name in the target (`{machine}-{disk}`), unique per machine. */
  name: string;
  resourceGroup: string;
  machineName: string;
  /** The VHD page blob (local: the disk itself; Azure: the staging blob a managed disk imports). */
  blobUrl: string;
  /** Azure only: the managed disk's ARM id. */
  managedDiskId?: string;
  /** The VHD's size: data bytes rounded up to whole MiB (as Azure requires) + 512-byte footer. */
  sizeBytes: number;
  /**
   * The blob's ETag once its bytes were verified and tagged (local fabric): a start that finds
   * the same ETag knows no byte changed since and skips reading the disk again (issue 17).
   */
  verifiedEtag?: string;
}
