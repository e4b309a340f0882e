import { REPLICA_CONTAINERS } from '../../contracts/ReplicaBlobLayout';
import { DeliveredLog } from './applyLog';

/**
 * The log a blob trigger delivered (its bytes, name and ETag from the trigger's metadata), so the
 * merge reads it once; undefined when any part is missing (the merge then downloads it).
 */
export function deliveredLogOf(input: unknown, metadata: Record<string, unknown>): DeliveredLog | undefined {
  const path = typeof metadata.blobTrigger === 'string' ? metadata.blobTrigger : undefined;
  const properties = (metadata.properties ?? {}) as Record<string, unknown>;
  const etag = properties.eTag ?? properties.ETag ?? properties.etag;
  const prefix = `${REPLICA_CONTAINERS.pending}/`;
  if (!Buffer.isBuffer(input) || !path?.startsWith(prefix) || typeof etag !== 'string' || etag === '') return undefined;
  return { blobName: path.slice(prefix.length), etag, bytes: input };
}
