import { ServiceError } from '../errors';

/** What a finished long-running operation did: `put` (the resource now exists) or `delete`. */
export interface OperationToken {
  op: 'put' | 'delete';
  /** Document id of the resource. */
  doc: string;
}

/**
 * The `Location` a client polls after a 202. The writes behind it are already done when we
 * answer (Cosmos DB writes are quick), so the token only needs to say what to report; it is
 * stateless and cannot go stale. The Recovery issue's job-backed operations use their own path.
 */
export function operationLocation(url: URL, vaultArmId: string, token: OperationToken): string {
  const id = Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
  const loc = new URL(`${vaultArmId}/replicationOperationResults/${id}`, url.origin);
  const apiVersion = url.searchParams.get('api-version');
  if (apiVersion) loc.searchParams.set('api-version', apiVersion);
  return loc.toString();
}

export function parseOperationToken(id: string): OperationToken {
  try {
    const t = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as OperationToken;
    if ((t.op === 'put' || t.op === 'delete') && typeof t.doc === 'string') return t;
  } catch {
    // fall through
  }
  throw new ServiceError('NotFound', `operation '${id}' is not one this service started`);
}
