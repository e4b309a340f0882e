import { DiskRef } from '../../contracts/DiskRef';
import { RecoveryPointKind } from './ReplicationPolicy';

/** One recovery point of one disk: a snapshot of its replica taken right after log `sequence`. */
export interface DiskRecoveryPoint {
  disk: DiskRef;
  /** Stable id: `{disk}-{epoch}-{sequence}` (a replayed cut overwrites, never duplicates). */
  id: string;
  epoch: bigint;
  /** The log the snapshot ends with. */
  sequence: bigint;
  /** The log's cut time at the source (ms since the Unix epoch): the point's time. */
  cutTimeMs: number;
  type: RecoveryPointKind;
  /** The source disk's Merkle digest at the cut, hex (from the log header). */
  diskDigest: string;
  /** Blob snapshot id of the replica (`vhds/{vault}/{item}/{disk}.vhd?snapshot=…`). */
  snapshot: string;
  /** The source disk's size in bytes. */
  sourceVirtualSize: number;
}

export function recoveryPointId(disk: DiskRef, epoch: bigint, sequence: bigint): string {
  return `${disk.disk}-${epoch}-${sequence}`;
}
