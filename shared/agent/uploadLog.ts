import { readFile } from 'node:fs/promises';
import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import type { DiskRef } from '../contracts/DiskRef';
import { LOG_METADATA, logChecksum } from '../contracts/logChecksum';
import { pendingLogBlob, REPLICA_CONTAINERS } from '../contracts/ReplicaBlobLayout';

/** What one upload did: bytes sent (0 when the log was already there) and the log's checksum. */
export interface UploadedLog {
  sent: number;
  sha256: string;
}

/** The log file's bytes and checksum, without uploading (a log the replica already applied). */
export async function checksumOfLogFile(file: string): Promise<string> {
  return logChecksum(await readFile(file));
}

/**
 * Uploads a built log as `hrl/{vault}/{item}/{disk}/{seq}.hrl`, create-only (If-None-Match: *):
 * a log is immutable once named. It carries, in blob metadata, the item's protection id (the
 * merge quarantines a log of another protection) and the agent's SHA-256 of it (so the agent
 * can recognise its own log in quarantine; the merge hashes what it reads). A retry after a lost
 * answer finds its own blob there (same checksum stamp) and counts it as uploaded; a different
 * blob under the name is a conflict to report, never overwritten.
 */
export async function uploadLog(blobs: BlobServiceClient, disk: DiskRef, sequence: number, file: string, protectionId?: string): Promise<UploadedLog> {
  const name = pendingLogBlob(disk, BigInt(sequence));
  const client = blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(name);
  // Logs are capped (MAX_LOG_PAYLOAD_BYTES), so one fits in memory; a buffer cannot fail mid-read like a file stream.
  const bytes = await readFile(file);
  const size = bytes.length;
  const sha256 = logChecksum(bytes);
  const metadata: Record<string, string> = { [LOG_METADATA.sha256]: sha256, ...(protectionId ? { [LOG_METADATA.protectionId]: protectionId } : {}) };
  const upload = () => client.uploadData(bytes, { conditions: { ifNoneMatch: '*' }, metadata, blockSize: 8 * 1024 * 1024, concurrency: 4 });
  try {
    try {
      await upload();
    } catch (err) {
      // The service creates `hrl`; a fresh local account may not have it yet.
      if ((err as { code?: string }).code !== 'ContainerNotFound') throw err;
      await blobs.getContainerClient(REPLICA_CONTAINERS.pending).createIfNotExists();
      await upload();
    }
    return { sent: size, sha256 };
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw err;
  }
  const existing = await client.getProperties().catch(() => undefined);
  // Merged already (and so deleted from hrl/), or our own earlier upload: both are fine.
  if (!existing) return { sent: 0, sha256 };
  const stamped = existing.metadata?.[LOG_METADATA.sha256];
  if (stamped === undefined ? existing.contentLength === size : stamped === sha256) return { sent: 0, sha256 };
  throw new ServiceError('LogNameTaken', `${REPLICA_CONTAINERS.pending}/${name} exists with ${existing.contentLength} bytes${stamped ? ` (SHA-256 ${stamped.slice(0, 12)}…)` : ''}, not this log (${size} bytes, ${sha256.slice(0, 12)}…); another agent ships this disk — stop it, then resync`);
}
