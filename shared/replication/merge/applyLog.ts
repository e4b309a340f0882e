import type { PageBlobClient } from '@azure/storage-blob';
import { PageBlobWriter } from '../../disk';
import { HrlExpectation, parseHrl, ParsedHrl } from '../../hrl';
import { DiskRef } from '../../contracts/DiskRef';
import { bareEtag, PendingLog } from './PendingLog';
import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { ReplicaState } from '../../contracts/ReplicaState';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationTuning } from '../core/ReplicationTuning';
import { isLogRefusal } from './isLogRefusal';
import { QuarantineReason } from './quarantineLog';

/** Logs are read in ranged GETs of 8 MiB, 4 at a time: faster than one stream on Azure and Azurite alike. */
const LOG_READ_BLOCK = 8 * 1024 * 1024;
const LOG_READ_CONCURRENCY = 4;

/** A log read and fully validated, ready to write; or why it must be quarantined. */
export type ReadLogResult = { ok: true; log: ParsedHrl; bytes: Buffer } | { ok: false; reason: QuarantineReason };

/** A log's bytes the caller already holds (the blob trigger's input), with the version they are of. */
export interface DeliveredLog {
  blobName: string;
  etag: string;
  bytes: Buffer;
  /** The blob's metadata and last change as delivered; without them the merge lists the disk's logs. */
  metadata?: Record<string, string>;
  lastModified?: Date;
}

/**
 * Downloads a pending log (or takes the delivered bytes when they are of the listed version) and validates all of it (parseHrl: header, identity, every record's
 * CRC, bounds and order, trailer) before anyone writes a page. An oversized blob is refused
 * unread. I/O errors propagate (retry); format errors become a quarantine reason.
 */
export async function readPendingLog(deps: ReplicationDeps, log: PendingLog, expect: HrlExpectation, tuning: ReplicationTuning, delivered?: DeliveredLog): Promise<ReadLogResult> {
  if (log.sizeBytes > tuning.maxLogBytes) {
    return { ok: false, reason: { code: 'LogTooLarge', message: `the log is ${log.sizeBytes} bytes, more than the ${tuning.maxLogBytes} a merge accepts` } };
  }
  // Same name and ETag: the same bytes the listing describes, so no second download.
  const held = delivered && delivered.blobName === log.blobName && bareEtag(delivered.etag) === log.etag && log.etag !== '' ? delivered.bytes : undefined;
  const bytes = held ?? await deps.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(log.blobName).downloadToBuffer(0, undefined, { blockSize: LOG_READ_BLOCK, concurrency: LOG_READ_CONCURRENCY });
  try {
    return { ok: true, log: parseHrl(bytes, expect), bytes };
  } catch (err) {
    if (isLogRefusal(err)) return { ok: false, reason: { code: err.code, message: err.message } };
    throw err;
  }
}

/** Wraps the client so the test hook sees each Put Page call after it succeeded. */
function withHook(blob: PageBlobClient, deps: ReplicationDeps, sequence: bigint): PageBlobClient {
  const hook = deps.afterPutPage;
  if (!hook) return blob;
  const hooked = Object.create(blob) as PageBlobClient;
  hooked.uploadPages = async (body, offset, count, options) => {
    const r = await blob.uploadPages(body, offset, count, options);
    hook({ sequence, offset, length: count });
    return r;
  };
  return hooked;
}

/**
 * Writes a validated log's records to the replica under the lease: adjacent records coalesce
 * into Put Page calls of up to 4 MiB, several in flight, the last alone. Writes are absolute, so
 * writing the same log twice leaves the same bytes. Returns the replica's ETag after the writes
 * (the last call's: no one else writes under the lease), `unchanged` when the log wrote nothing,
 * or `undefined` when the ETag is not known (the caller reads it).
 */
export async function writeLogPages(deps: ReplicationDeps, blob: PageBlobClient, leaseId: string, log: ParsedHrl, tuning: ReplicationTuning): Promise<string | 'unchanged' | undefined> {
  const writer = new PageBlobWriter(withHook(blob, deps, log.header.sequence), {
    maxInFlight: tuning.putConcurrency,
    maxPutBytes: tuning.maxPutBytes,
    conditions: { leaseId },
  });
  for (const r of log.records) await writer.write(r.offset, r.payload);
  const etag = await writer.flushWithEtag();
  return etag ?? (writer.stats.putPageCalls === 0 ? 'unchanged' : undefined);
}
