import { blobPath } from '../naming';
import { DiskRef } from './DiskRef';

/**
 * Where a replicated disk's blobs live. Sequence and epoch numbers in names are zero-padded to
 * 20 digits (the width of a uint64) so that a listing's lexical order is their numeric order.
 *
 * | container        | blob                                                   | what                          |
 * |------------------|--------------------------------------------------------|-------------------------------|
 * | `hrl`            | `{vault}/{item}/{disk}/{seq}.hrl`                      | pending replica logs          |
 * | `vhds`           | `{vault}/{item}/{disk}.vhd`                            | the replica: fixed VHD page blob (+ snapshots = recovery points) |
 * | `hrl-journal`    | `{vault}/{item}/{disk}/{epoch}/{seq}.hrl`              | merged logs kept for any-point recovery |
 * | `hrl-quarantine` | `{vault}/{item}/{disk}/{seq}.hrl.{utc}`                | logs refused, reason in metadata |
 * @see docs/replication.md
 */
export const REPLICA_CONTAINERS = {
  pending: 'hrl',
  replicas: 'vhds',
  journal: 'hrl-journal',
  quarantine: 'hrl-quarantine',
} as const;

const WIDTH = 20;
const LOG_NAME = /^(\d{1,20})\.hrl$/;

export function padNumber(n: bigint): string {
  return n.toString().padStart(WIDTH, '0');
}

/** The file name of log `sequence` (`00000000000000000042.hrl`). */
export function logFileName(sequence: bigint): string {
  return `${padNumber(sequence)}.hrl`;
}

/** The sequence number a pending log's file name carries, or undefined if it is not a log name. */
export function sequenceOfLogName(name: string): bigint | undefined {
  const m = LOG_NAME.exec(name);
  return m ? BigInt(m[1]) : undefined;
}

/** The disk's three segments, each checked by {@link blobPath}: a name that could escape its folder throws. */
function diskSegments(d: DiskRef): string[] {
  return [d.vault, d.item, d.disk];
}

export function diskPrefix(d: DiskRef): string {
  return blobPath(diskSegments(d), '/');
}

export function pendingLogBlob(d: DiskRef, sequence: bigint): string {
  return blobPath([...diskSegments(d), logFileName(sequence)]);
}

export function replicaBlob(d: DiskRef): string {
  return blobPath(diskSegments(d), '.vhd');
}

export function journalPrefix(d: DiskRef, epoch?: bigint): string {
  return epoch === undefined ? diskPrefix(d) : blobPath([...diskSegments(d), padNumber(epoch)], '/');
}

export function journalBlob(d: DiskRef, epoch: bigint, sequence: bigint): string {
  return blobPath([...diskSegments(d), padNumber(epoch), logFileName(sequence)]);
}

export function quarantineBlob(d: DiskRef, fileName: string, at: Date): string {
  return blobPath([...diskSegments(d), `${fileName}.${at.toISOString().replace(/[-:.]/g, '')}`]);
}

/** Splits a pending log's blob name into its disk and file name (`undefined` if not 4 segments). */
export function parsePendingLogBlob(blobName: string): { disk: DiskRef; fileName: string } | undefined {
  const parts = blobName.split('/');
  if (parts.length !== 4 || parts.some((p) => p.length === 0)) return undefined;
  return { disk: { vault: parts[0], item: parts[1], disk: parts[2] }, fileName: parts[3] };
}
