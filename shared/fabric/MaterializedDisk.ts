import type { DiskRef } from '../replication';

/**
 * A disk in the target, made from a recovery point. JSON-safe: an activity returns it and the
 * orchestrator passes it on to `createMachine`.
 */
export interface MaterializedDisk {
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
  /** The source disk's virtual size (any size; the VHD's data area is this rounded up to whole MiB, the rest zeros). */
  dataBytes: number;
  epoch: string;
  sequence: string;
  /** The recovery point's time (source clock, ISO 8601). */
  pointTime: string;
  /** The recovery point (snapshot) the copy started from, `{disk}-{epoch}-{sequence}`. */
  baseRecoveryPointId: string;
  /** The source's Merkle digest at the point (hex), as the replica log said (ciphertext when encrypted). */
  sourceDigest: string;
  /**
   * The digest `startMachine` checks the disk against (hex). Equal to `sourceDigest` for a
   * plaintext item; for an encrypted item it is the digest of the decrypted disk, computed right
   * after the ciphertext copy was checked against `sourceDigest` (the key is not kept, so a later
   * check can only compare plaintext with plaintext).
   */
  expectedDigest: string;
  /** True when the item was encrypted and the disk was decrypted while materialised. */
  decrypted: boolean;
}
