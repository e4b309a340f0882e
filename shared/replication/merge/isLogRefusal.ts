import { ServiceError } from '../../errors';

/** Codes the HRL reader raises for a log that must not be applied (as opposed to an I/O fault). */
const REFUSALS = new Set(['CorruptFormat', 'UnsupportedFormat', 'HrlIdentityMismatch']);

/** True when `err` says the log itself is bad: quarantine it. Anything else is retried. */
export function isLogRefusal(err: unknown): err is ServiceError {
  return err instanceof ServiceError && REFUSALS.has(err.code);
}
