import { HrlReader } from '../../hrl';
import { PendingLog } from './PendingLog';
import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ignoreNotFound } from '../core/ignoreNotFound';

/** Enough bytes for the largest HRL header (889). */
const HEADER_BYTES = 1024;

/**
 * The epoch in a pending log's header, read from its first KiB (the header is validated, CRC
 * included); `undefined` if the header is unreadable. Used for logs at or below the applied
 * sequence: a redelivery of this epoch is dropped, but a log of a newer epoch must not vanish.
 * `'gone'` when someone deleted the blob meanwhile.
 */
export async function epochOfPendingLog(deps: ReplicationDeps, log: PendingLog): Promise<bigint | 'gone' | undefined> {
  const head = await ignoreNotFound(deps.blobs
    .getContainerClient(REPLICA_CONTAINERS.pending)
    .getBlobClient(log.blobName)
    .downloadToBuffer(0, Math.max(1, Math.min(HEADER_BYTES, log.sizeBytes))));
  if (head === undefined) return 'gone';
  try {
    for await (const entry of new HrlReader([head])) {
      if (entry.kind === 'header') return entry.header.epoch;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
