import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Whether a request asks the gateway for a query's plan (the SDK's `x-ms-cosmos-is-query-plan-request`), not for documents. */
export function isQueryPlanRequest(headers: IncomingHttpHeaders): boolean {
  return String(headers['x-ms-cosmos-is-query-plan-request'] ?? '').toLowerCase() === 'true';
}

/** Whether a request is a query (a POST the SDK marks as one), as opposed to an item write. */
export function isQueryRequest(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'POST' && (String(headers['x-ms-documentdb-isquery'] ?? '').toLowerCase() === 'true'
    || String(headers['content-type'] ?? '').startsWith('application/query+json'));
}

/** Reads and drops a request's body (for an answer that does not depend on it). */
export function drainRequest(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('data', () => undefined);
    req.on('end', () => resolve());
    req.on('error', reject);
  });
}
