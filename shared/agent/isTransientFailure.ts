import { ServiceError } from '../errors';

const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * True for failures worth retrying later: storage or API unreachable, timeouts, throttling,
 * server errors, and ServiceErrors marked retryable. Not for bad input, auth or format errors.
 */
export function isTransientFailure(err: unknown): boolean {
  if (err instanceof ServiceError) return err.retryable;
  const e = err as { statusCode?: number; code?: string; name?: string; cause?: unknown };
  if (e?.code && TRANSIENT_ERRNO.has(e.code)) return true;
  if (e?.name === 'RestError') {
    const s = e.statusCode;
    return s === undefined || s === 408 || s === 429 || s >= 500;
  }
  if (e?.cause && e.cause !== err) return isTransientFailure(e.cause);
  return false;
}
