import { readFile } from 'node:fs/promises';
import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { DiskRef, pendingLogBlob, REPLICA_CONTAINERS } from '../replication';

/**
 * Uploads a built log as `hrl/{vault}/{item}/{disk}/{seq}.hrl`, create-only (If-None-Match: *):
 * a log is immutable once named. A retry after a lost answer finds its own blob there (same
 * size) and counts it as uploaded; a different blob under the name is a conflict to report, never
 * overwritten. Returns the bytes sent (0 when it was already there).
 */
export async function uploadLog(blobs: BlobServiceClient, disk: DiskRef, sequence: number, file: string): Promise<number> {
  const name = pendingLogBlob(disk, BigInt(sequence));
  const client = blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(name);
  // Logs are capped (MAX_LOG_PAYLOAD_BYTES), so one fits in memory; a buffer cannot fail mid-read like a file stream.
  const bytes = await readFile(file);
  const size = bytes.length;
  const upload = () => client.uploadData(bytes, { conditions: { ifNoneMatch: '*' }, blockSize: 8 * 1024 * 1024, concurrency: 4 });
  try {
    try {
      await upload();
    } catch (err) {
      // The service creates `hrl`; a fresh local account may not have it yet.
      if ((err as { code?: string }).code !== 'ContainerNotFound') throw err;
      await blobs.getContainerClient(REPLICA_CONTAINERS.pending).createIfNotExists();
      await upload();
    }
    return size;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412) throw err;
  }
  const existing = await client.getProperties().catch(() => undefined);
  if (existing?.contentLength === size) return 0;
  // Merged already (and so deleted from hrl/), or someone else's blob: only the first is fine.
  if (!existing) return 0;
  throw new ServiceError('LogNameTaken', `${REPLICA_CONTAINERS.pending}/${name} exists with ${existing.contentLength} bytes, not this log's ${size}; another agent ships this disk — stop it, then resync`);
}
