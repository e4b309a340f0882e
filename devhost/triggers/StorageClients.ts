import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

const blobServices = new Map<string, BlobServiceClient>();
const queueServices = new Map<string, QueueServiceClient>();

/** One blob service client per connection string, shared by every trigger of the host. */
export function blobServiceFor(connectionString: string): BlobServiceClient {
  return cached(blobServices, connectionString, () => BlobServiceClient.fromConnectionString(connectionString));
}

/** One queue service client per connection string, shared by every trigger of the host. */
export function queueServiceFor(connectionString: string): QueueServiceClient {
  return cached(queueServices, connectionString, () => QueueServiceClient.fromConnectionString(connectionString));
}

function cached<T>(cache: Map<string, T>, key: string, create: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = create();
    cache.set(key, value);
  }
  return value;
}

/** True when a storage call failed with this HTTP status (and, when given, one of these error codes). */
export function isStorageError(e: unknown, status: number, ...codes: string[]): boolean {
  const err = e as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  if (err?.statusCode !== status) return false;
  if (codes.length === 0) return true;
  const code = err.details?.errorCode ?? err.code;
  return code !== undefined && codes.includes(code);
}
