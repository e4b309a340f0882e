import type { ContainerClient } from '@azure/storage-blob';
import { DiskRef } from '../../contracts/DiskRef';
import { diskPrefix, REPLICA_CONTAINERS, sequenceOfLogName } from '../../contracts/ReplicaBlobLayout';

/** A log waiting in `hrl/` to be merged. */
export interface PendingLog {
  /** Blob name in the `hrl` container. */
  blobName: string;
  /** The file name (`{seq}.hrl`). */
  fileName: string;
  sequence: bigint;
  sizeBytes: number;
  lastModified: Date;
  /** The listed version's ETag, without quotes. */
  etag: string;
  /** The blob's metadata (what the uploader stamped: shared/contracts/logChecksum LOG_METADATA). */
  metadata: Record<string, string>;
}

/** The disk's pending logs, by ascending sequence. Blobs whose names are not logs are left alone. */
export async function listPendingLogs(pending: ContainerClient, disk: DiskRef): Promise<PendingLog[]> {
  const prefix = diskPrefix(disk);
  const out: PendingLog[] = [];
  for await (const b of pending.listBlobsFlat({ prefix, includeMetadata: true })) {
    const fileName = b.name.slice(prefix.length);
    const sequence = sequenceOfLogName(fileName);
    if (sequence === undefined) continue;
    out.push({ blobName: b.name, fileName, sequence, sizeBytes: b.properties.contentLength ?? 0, lastModified: b.properties.lastModified, etag: bareEtag(b.properties.etag), metadata: b.metadata ?? {} });
  }
  return out.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}

export function pendingContainer(deps: { blobs: { getContainerClient(n: string): ContainerClient } }): ContainerClient {
  return deps.blobs.getContainerClient(REPLICA_CONTAINERS.pending);
}

/** An ETag without its quotes (listings give it bare, headers quoted). */
export function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}
