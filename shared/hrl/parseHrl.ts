import { HRL_HEADER_PREFIX_LENGTH } from './HrlHeaderToken';
import { HrlExpectation } from './HrlExpectation';
import { HRL_RECORD_HEADER_LENGTH } from './HrlRecordHeaderToken';
import { HRL_TRAILER_LENGTH } from './HrlTrailerToken';
import { HrlValidator } from './HrlValidator';
import { ParsedHrl } from './ParsedHrl';
import { HrlRecord } from './HrlRecord';

/**
 * Validates a whole in-memory log — header, every record's CRC, alignment, bounds and order,
 * the trailer, and that nothing follows it — and only then returns it. A merge can therefore
 * apply the result without a second look. Payloads are views into `buf` (no copy).
 *
 * @throws CorruptFormatError, UnsupportedFormatError or HrlIdentityMismatchError, each naming
 * structure, field and absolute offset.
 */
export function parseHrl(buf: Buffer, expect?: HrlExpectation): ParsedHrl {
  const v = new HrlValidator(expect);
  /** Ensures `n` bytes are present at the current position. */
  const need = (structure: string, field: string, n: number): void => {
    const available = buf.length - v.position;
    if (available < n) throw v.truncated(structure, field, n, Math.max(available, 0));
  };
  const take = (structure: string, field: string, n: number): Buffer => {
    need(structure, field, n);
    return buf.subarray(v.position, v.position + n);
  };
  const headerLength = v.headerLength(buf.subarray(0, HRL_HEADER_PREFIX_LENGTH));
  const header = v.acceptHeader(take('HRL header', 'header', headerLength));
  const records: HrlRecord[] = [];
  for (;;) {
    need('HRL record', 'tag', 4);
    if (v.kindOf(buf, v.position) === 'trailer') break;
    need('HRL record', 'header', HRL_RECORD_HEADER_LENGTH);
    const headerAt = v.position;
    const length = v.payloadLength(buf, headerAt);
    const payloadStart = headerAt + HRL_RECORD_HEADER_LENGTH;
    const available = buf.length - payloadStart;
    if (available < length) throw v.truncated('HRL record', 'payload', length, available, payloadStart);
    records.push(v.acceptRecord(buf, headerAt, buf.subarray(payloadStart, payloadStart + length)));
  }
  const trailer = v.acceptTrailer(take('HRL trailer', 'trailer', HRL_TRAILER_LENGTH));
  if (buf.length > v.position) throw v.trailingBytes();
  return { header, records, trailer };
}
