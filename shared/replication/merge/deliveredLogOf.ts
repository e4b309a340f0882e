import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { DeliveredLog } from './applyLog';

/**
 * The log a blob trigger delivered (its bytes, name, ETag and the blob's own metadata from the
 * trigger's metadata), so the merge reads it once and, when it is the disk's next log, need not
 * list the disk's logs; undefined when any required part is missing (the merge then downloads it).
 */
export function deliveredLogOf(input: unknown, metadata: Record<string, unknown>): DeliveredLog | undefined {
  const path = typeof metadata.blobTrigger === 'string' ? metadata.blobTrigger : undefined;
  const properties = (metadata.properties ?? {}) as Record<string, unknown>;
  const etag = properties.eTag ?? properties.ETag ?? properties.etag;
  const prefix = `${REPLICA_CONTAINERS.pending}/`;
  if (!Buffer.isBuffer(input) || !path?.startsWith(prefix) || typeof etag !== 'string' || etag === '') return undefined;
  const stamped = metadata.metadata;
  const blobMetadata = stamped && typeof stamped === 'object' && Object.values(stamped).every((v) => typeof v === 'string')
    ? stamped as Record<string, string> : undefined;
  const modified = properties.lastModified ?? properties.LastModified;
  const lastModified = typeof modified === 'string' && !Number.isNaN(Date.parse(modified)) ? new Date(modified) : undefined;
  return { blobName: path.slice(prefix.length), etag, bytes: input, ...(blobMetadata ? { metadata: blobMetadata } : {}), ...(lastModified ? { lastModified } : {}) };
}
