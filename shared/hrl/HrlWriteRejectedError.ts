import { ServiceError } from '../errors';

/**
 * The writer was asked to produce a log the format forbids (misaligned or out-of-order record,
 * oversized identifier, bad key...). Raised before any byte of the offending part is emitted.
 */
export class HrlWriteRejectedError extends ServiceError {
  constructor(what: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('HrlWriteRejected', `Cannot write ${what}: ${why}. Fix the input; an HRL reader would reject it.`, { cause });
  }
}
