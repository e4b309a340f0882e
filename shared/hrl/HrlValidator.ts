import { CorruptFormatError } from '../errors';
import { DATA_UNIT_SIZE } from '../crypto/dataUnit';
import { HRL_MAX_RECORD_LENGTH, HRL_RECORD_TAG, HRL_TRAILER_TAG } from './hrlConstants';
import { HrlExpectation } from './HrlExpectation';
import { hex32 } from './hex32';
import { HrlHeader } from './HrlHeader';
import { HrlLogChecksum } from './HrlLogChecksum';
import { HrlRecord } from './HrlRecord';
import { HRL_RECORD_HEADER_LENGTH, HrlRecordHeaderField, HrlRecordHeaderToken } from './HrlRecordHeaderToken';
import { HrlTrailer } from './HrlTrailer';
import { HRL_TRAILER_LENGTH, HrlTrailerField, HrlTrailerToken } from './HrlTrailerToken';
import { hrlHeaderLength, validateHrlHeader } from './validateHrlHeader';

const RECORD = 'HRL record';
const TRAILER = 'HRL trailer';

/** What comes next after the header: a record or the trailer. */
export type HrlStructureKind = 'record' | 'trailer';

/**
 * The rules of the format, applied structure by structure in spec order (signature, version,
 * bounded sizes, checksum, fields, bounds/overlap/alignment). Byte sources differ — one Buffer
 * for {@link parseHrl}, chunks for {@link HrlReader} — so they feed bytes here and this class
 * owns the position, the running log checksum and the counts. Every failure is a
 * `CorruptFormatError`, `UnsupportedFormatError` or `HrlIdentityMismatchError` naming the
 * structure, field and absolute offset.
 */
export class HrlValidator {
  /** Absolute offset of the next byte to validate. */
  position = 0;
  header?: HrlHeader;
  private readonly logChecksum = new HrlLogChecksum();
  private recordCount = 0;
  private payloadBytes = 0;
  /** End of the previous record on the disk; records ascend and never overlap. */
  private previousEnd = 0;
  /** Records may reach the end of the last (possibly partial) data unit. */
  private diskLimit = 0;

  constructor(private readonly expect: HrlExpectation = {}) {}

  get recordCountSoFar(): number {
    return this.recordCount;
  }

  get payloadBytesSoFar(): number {
    return this.payloadBytes;
  }

  /** The log checksum if the trailer's first 24 bytes were `trailerPrefix` (for writers). */
  logChecksumWith(trailerPrefix: Buffer): number {
    return this.logChecksum.valueWith(trailerPrefix);
  }

  /** A truncation error: `needed` bytes were wanted from `start`, only `available` came. */
  truncated(structure: string, field: string, needed: number, available: number, start = this.position): CorruptFormatError {
    return new CorruptFormatError(
      { structure, field, offset: start + available, expected: `${needed} bytes`, actual: `${available} bytes` },
      'the log is truncated',
    );
  }

  /** Checks magic, version and header length from the first 12 bytes; returns the header length. */
  headerLength(prefix: Buffer): number {
    return hrlHeaderLength(prefix);
  }

  /** Validates the whole header (`bytes` = exactly `headerLength` bytes) and the expectation. */
  acceptHeader(bytes: Buffer): HrlHeader {
    const header = validateHrlHeader(bytes, this.expect);
    const length = header.headerLength;
    this.header = header;
    this.diskLimit = Math.ceil(header.virtualSize / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
    this.logChecksum.addHeader(bytes);
    this.position = length;
    return header;
  }

  /** Reads the 4-byte tag at `buf[off]` (the current position): a record or the trailer, nothing else. */
  kindOf(buf: Buffer, off: number): HrlStructureKind {
    const tag = buf.readUInt32LE(off);
    if (tag === HRL_RECORD_TAG) return 'record';
    if (tag === HRL_TRAILER_TAG) return 'trailer';
    throw new CorruptFormatError(
      { structure: RECORD, field: 'tag', offset: this.position, expected: `${hex32(HRL_RECORD_TAG)} (HRLR) or ${hex32(HRL_TRAILER_TAG)} (HRLT)`, actual: hex32(tag) },
      'the log is damaged or misframed',
    );
  }

  /** The payload length of the record header at the current position, refused if absurd. */
  payloadLength(buf: Buffer, off: number): number {
    const length = buf.readUInt32LE(off + HrlRecordHeaderField.length);
    if (length === 0 || length > HRL_MAX_RECORD_LENGTH) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'length', offset: this.position + HrlRecordHeaderField.length, expected: `1..${HRL_MAX_RECORD_LENGTH}`, actual: length },
        'absurd record length',
      );
    }
    return length;
  }

  /**
   * Validates one record — its 24-byte header at `buf[off]` and its whole payload — and advances
   * past it. Hot path: no bigint and no copies unless something is wrong.
   */
  acceptRecord(buf: Buffer, off: number, payload: Buffer): HrlRecord {
    const at = this.position;
    const f = HrlRecordHeaderField;
    const storedCrc = buf.readUInt32LE(off + f.recordCrc);
    const crc = HrlRecordHeaderToken.crc(buf, off, payload);
    if (crc !== storedCrc) {
      throw new CorruptFormatError({ structure: RECORD, field: 'recordCrc', offset: at + f.recordCrc, expected: hex32(crc), actual: hex32(storedCrc) });
    }
    const reserved = buf.readUInt32LE(off + f.reserved);
    if (reserved !== 0) {
      throw new CorruptFormatError({ structure: RECORD, field: 'reserved', offset: at + f.reserved, expected: 0, actual: reserved });
    }
    const length = buf.readUInt32LE(off + f.length);
    if (length % DATA_UNIT_SIZE !== 0) {
      throw new CorruptFormatError({ structure: RECORD, field: 'length', offset: at + f.length, expected: `multiple of ${DATA_UNIT_SIZE}`, actual: length }, 'misaligned record');
    }
    // offset = hi * 2^32 + lo is exact while hi < 2^21; larger is outside any disk anyway.
    const lo = buf.readUInt32LE(off + f.offset);
    const hi = buf.readUInt32LE(off + f.offset + 4);
    if (lo % DATA_UNIT_SIZE !== 0) {
      throw new CorruptFormatError({ structure: RECORD, field: 'offset', offset: at + f.offset, expected: `multiple of ${DATA_UNIT_SIZE}`, actual: buf.readBigUInt64LE(off + f.offset) }, 'misaligned record');
    }
    const offset = hi < 0x200000 ? hi * 0x100000000 + lo : Infinity;
    if (offset + length > this.diskLimit) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'offset', offset: at + f.offset, expected: `offset + length <= ${this.diskLimit}`, actual: `${buf.readBigUInt64LE(off + f.offset)} + ${length}` },
        'record outside the disk',
      );
    }
    if (offset < this.previousEnd) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'offset', offset: at + f.offset, expected: `>= ${this.previousEnd}`, actual: offset },
        'records must ascend by offset without overlapping',
      );
    }
    if (offset + length > this.header!.virtualSize) this.checkTailPadding(payload, offset, at);
    this.previousEnd = offset + length;
    this.logChecksum.addRecordCrc(storedCrc);
    this.recordCount++;
    this.payloadBytes += length;
    this.position = at + HRL_RECORD_HEADER_LENGTH + length;
    return { offset, length, payload, logOffset: at };
  }

  /** Validates the trailer at the current position against everything seen before it. */
  acceptTrailer(trailer: Buffer): HrlTrailer {
    const at = this.position;
    const f = HrlTrailerField;
    const raw = HrlTrailerToken.get(trailer, 0);
    const checksum = this.logChecksumWith(trailer.subarray(0, f.logChecksum));
    if (checksum !== raw.logChecksum) {
      throw new CorruptFormatError({ structure: TRAILER, field: 'logChecksum', offset: at + f.logChecksum, expected: hex32(checksum), actual: hex32(raw.logChecksum) });
    }
    if (raw.recordCount !== BigInt(this.recordCount)) {
      throw new CorruptFormatError({ structure: TRAILER, field: 'recordCount', offset: at + f.recordCount, expected: this.recordCount, actual: raw.recordCount });
    }
    if (raw.payloadBytes !== BigInt(this.payloadBytes)) {
      throw new CorruptFormatError({ structure: TRAILER, field: 'payloadBytes', offset: at + f.payloadBytes, expected: this.payloadBytes, actual: raw.payloadBytes });
    }
    if (raw.reserved !== 0 || raw.reserved2 !== 0) {
      const field = raw.reserved !== 0 ? 'reserved' : 'reserved2';
      throw new CorruptFormatError({ structure: TRAILER, field, offset: at + f[field], expected: 0, actual: raw[field] });
    }
    this.position = at + HRL_TRAILER_LENGTH;
    return { recordCount: this.recordCount, payloadBytes: this.payloadBytes, logChecksum: raw.logChecksum, logLength: this.position };
  }

  /** Anything after the trailer is an error: a log is exactly header, records, trailer. */
  trailingBytes(): CorruptFormatError {
    return new CorruptFormatError(
      { structure: TRAILER, field: 'end of log', offset: this.position, expected: 'end of input', actual: 'more bytes' },
      'data after the trailer',
    );
  }

  /** Plain logs: bytes of the last unit beyond the disk's end must be zero (they are not written). */
  private checkTailPadding(payload: Buffer, offset: number, at: number): void {
    const h = this.header!;
    if (h.encryption !== 'none') return;
    const from = h.virtualSize - offset;
    for (let i = from; i < payload.length; i++) {
      if (payload[i] !== 0) {
        throw new CorruptFormatError(
          { structure: RECORD, field: 'payload', offset: at + HRL_RECORD_HEADER_LENGTH + i, expected: 0, actual: payload[i] },
          'bytes past the end of the disk must be zero',
        );
      }
    }
  }
}
