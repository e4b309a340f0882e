/** Whether the cut was taken with the guest's cooperation (VSS) or just at a write boundary. */
export type HrlConsistency = 'crash' | 'application';

/** How record payloads are stored. */
export type HrlEncryption = 'none' | 'aes-256-xts-plain64';

/** What a log says about itself: its identity, the point it closes and how it is stored. */
export interface HrlHeader {
  formatVersion: number;
  vaultId: string;
  protectedItemId: string;
  diskId: string;
  /** Per-disk, strictly increasing within an epoch; the first log of an epoch is 1. */
  sequence: bigint;
  /** Replication epoch; a resync starts a new one. */
  epoch: bigint;
  /** Disk size in bytes: a multiple of 512, at most 64 TiB. */
  virtualSize: number;
  /** Source clock at the cut, milliseconds since the Unix epoch. */
  cutTimeMs: number;
  consistency: HrlConsistency;
  /** True on the last log of a planned failover: nothing follows it in this epoch. */
  finalPlannedFailover: boolean;
  /**
   * True on every log of a seed (initial replication, or a resync's new epoch) but its last: the
   * replica holds only part of the disk after it, so no recovery point may end at it.
   */
  partialSeed: boolean;
  dataUnitSize: number;
  encryption: HrlEncryption;
  /** Hex fingerprint of the XTS key (see shared/crypto/keyFingerprint), or undefined when plain. */
  keyFingerprint?: string;
  /** Merkle root of the stored disk at the cut (shared/integrity), 32 bytes. */
  diskDigest: Buffer;
  /** Bytes the header occupies at the start of the log. */
  headerLength: number;
}

/** The fields a writer is given; the rest follow from the format and the key. */
export type HrlHeaderInit = Omit<HrlHeader, 'formatVersion' | 'dataUnitSize' | 'encryption' | 'keyFingerprint' | 'headerLength' | 'partialSeed'> & {
  /** Default false: a log that leaves the replica whole. */
  partialSeed?: boolean;
};
