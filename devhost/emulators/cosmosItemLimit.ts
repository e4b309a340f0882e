import type { IncomingMessage } from 'node:http';
import { isQueryRequest } from './cosmosRequests';

/** Cosmos DB's largest item: 2 MB of UTF-8 JSON (Azure Cosmos DB service quotas, "Per-item limits"). */
export const COSMOS_MAX_ITEM_BYTES = 2 * 1024 * 1024;

const ITEM_WRITE = /^\/dbs\/[^/]+\/colls\/[^/]+\/docs(\/[^/]+)?\/?$/;

/**
 * Whether a request writes an item larger than Cosmos DB takes (create, upsert, replace; a
 * query is not a write). cosmosdb-server takes any size, so a document that would fail in
 * Azure passed every local test: a 2,000-machine job reached 3.4 MB (issue 17).
 */
export function isOversizedItemWrite(req: IncomingMessage): boolean {
  if (req.method !== 'POST' && req.method !== 'PUT') return false;
  if (!ITEM_WRITE.test((req.url ?? '').split('?')[0])) return false;
  return !isQueryRequest(req.method, req.headers) && Number(req.headers['content-length'] ?? 0) > COSMOS_MAX_ITEM_BYTES;
}

/** The answer Azure gives (status 413). */
export const ITEM_TOO_LARGE = { code: 'RequestEntityTooLarge', message: 'Request size is too large' };
