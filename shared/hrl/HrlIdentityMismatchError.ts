import { CorruptFormatError, FormatErrorLocation } from '../errors';

/**
 * A well-formed log that is not the one the caller expected: another vault, item or disk, an
 * old epoch, a different disk size, an out-of-turn sequence number or another key. It is still a
 * `CorruptFormatError` (the log must not be applied) but carries its own code, so the merge
 * engine can quarantine it with a precise reason.
 */
export class HrlIdentityMismatchError extends CorruptFormatError {
  constructor(loc: FormatErrorLocation) {
    super(loc, 'the log belongs to another disk, epoch or position; quarantine it, do not apply it');
    // ServiceError.code is readonly for callers; the subclass sets its own code once, here.
    (this as { code: string }).code = 'HrlIdentityMismatch';
  }
}
