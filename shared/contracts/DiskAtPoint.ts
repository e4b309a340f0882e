/**
 * A disk's state at a recovery point, as replication materialised and verified it and as the
 * fabric records it on the disk it takes (between the two, recovery passes it on). JSON-safe:
 * activities return it.
 */
export interface DiskAtPoint {
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
   * The digest a machine start checks the disk against (hex). Equal to `sourceDigest` for a
   * plaintext item; for an encrypted item it is the digest of the decrypted disk, computed right
   * after the ciphertext copy was checked against `sourceDigest` (the key is not kept, so a later
   * check can only compare plaintext with plaintext).
   */
  expectedDigest: string;
  /** True when the item was encrypted and the disk was decrypted while materialised. */
  decrypted: boolean;
}
