import type { DiskRef } from '../../contracts/DiskRef';
import type { FabricTags } from '../../fabric/FabricTags';
import type { PointSelector } from '../../replication/journal/PointSelector';

/**
 * Produce one target disk from a replicated disk at a point: recovery asks the fabric for a
 * staging blob, replication fills, verifies and decrypts it, the fabric takes it as a disk.
 */
export interface MaterializeDiskRequest {
  /** The replicated (source) disk. */
  source: DiskRef;
  point: PointSelector;
  /** Where the machine that will own the disk lives; names the target disk. */
  resourceGroup: string;
  machineName: string;
  /**
   * The item's encryption key when the item is encrypted: the disk is decrypted while it is
   * materialised. Supplied per call (from the failover request) and never stored.
   */
  key?: Uint8Array;
  /**
   * Copy an encrypted item's disk as stored (ciphertext), without a key: a disk export, which
   * the customer's CLI decrypts while downloading, so no plaintext is ever written to storage.
   */
  keepEncrypted?: boolean;
  tags: FabricTags;
  /** The source VM's generation as a disk property (Azure `hyperVGeneration`): `V2` for UEFI (Gen 2) machines; default `V1`. */
  hyperVGeneration?: 'V1' | 'V2';
}
