import { crc32c } from '@node-rs/crc32';
import { CorruptFormatError, UnsupportedFormatError } from '../errors';
import { DATA_UNIT_SIZE } from '../crypto/dataUnit';
import {
  HRL_ENCRYPTION_AES256_XTS_PLAIN64,
  HRL_ENCRYPTION_NONE,
  HRL_FLAG_APPLICATION_CONSISTENT,
  HRL_FLAG_FINAL_PLANNED_FAILOVER,
  HRL_FORMAT_VERSION,
  HRL_KNOWN_FLAGS,
  HRL_MAGIC,
  HRL_MAX_ID_BYTES,
  HRL_MAX_RECORD_LENGTH,
  HRL_MAX_VIRTUAL_SIZE,
  HRL_RECORD_TAG,
  HRL_SECTOR_SIZE,
  HRL_TRAILER_TAG,
} from './hrlConstants';
import { HrlExpectation } from './HrlExpectation';
import { HrlHeader } from './HrlHeader';
import {
  HRL_HEADER_CHECKSUM_LENGTH,
  HRL_HEADER_FIXED_LENGTH,
  HRL_HEADER_PREFIX_LENGTH,
  HrlHeaderField,
  HrlHeaderToken,
} from './HrlHeaderToken';
import { HrlIdentityMismatchError } from './HrlIdentityMismatchError';
import { HrlRecord } from './HrlRecord';
import { HRL_RECORD_HEADER_LENGTH, HrlRecordHeaderField, HrlRecordHeaderToken } from './HrlRecordHeaderToken';
import { HrlTrailer } from './HrlTrailer';
import { HRL_TRAILER_LENGTH, HrlTrailerField, HrlTrailerToken } from './HrlTrailerToken';

const HEADER = 'HRL header';
const RECORD = 'HRL record';
const TRAILER = 'HRL trailer';
const MIN_HEADER_LENGTH = HRL_HEADER_FIXED_LENGTH + 3 + HRL_HEADER_CHECKSUM_LENGTH;
const MAX_HEADER_LENGTH = HRL_HEADER_FIXED_LENGTH + 3 * HRL_MAX_ID_BYTES + HRL_HEADER_CHECKSUM_LENGTH;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

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
  private logCrc = 0;
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
    return crc32c(trailerPrefix, this.logCrc);
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
    if (prefix.length < HRL_HEADER_PREFIX_LENGTH) {
      // Judge the magic on what is there, so a short non-HRL input says "bad magic".
      const seen = prefix.subarray(0, Math.min(prefix.length, HRL_MAGIC.length));
      if (!seen.equals(HRL_MAGIC.subarray(0, seen.length))) this.badMagic(prefix);
      throw this.truncated(HEADER, 'prefix', HRL_HEADER_PREFIX_LENGTH, prefix.length);
    }
    if (!prefix.subarray(0, HRL_MAGIC.length).equals(HRL_MAGIC)) this.badMagic(prefix);
    const version = prefix.readUInt16LE(HrlHeaderField.formatVersion);
    if (version !== HRL_FORMAT_VERSION) {
      throw new UnsupportedFormatError(
        { structure: HEADER, field: 'formatVersion', offset: HrlHeaderField.formatVersion, expected: HRL_FORMAT_VERSION, actual: version },
        'this reader understands HRL format version 1 only',
      );
    }
    const length = prefix.readUInt16LE(HrlHeaderField.headerLength);
    if (length < MIN_HEADER_LENGTH || length > MAX_HEADER_LENGTH) {
      throw new CorruptFormatError({
        structure: HEADER, field: 'headerLength', offset: HrlHeaderField.headerLength,
        expected: `${MIN_HEADER_LENGTH}..${MAX_HEADER_LENGTH}`, actual: length,
      });
    }
    return length;
  }

  /** Validates the whole header (`bytes` = exactly `headerLength` bytes) and the expectation. */
  acceptHeader(bytes: Buffer): HrlHeader {
    const length = this.headerLength(bytes);
    const f = HrlHeaderField;
    const raw = HrlHeaderToken.get(bytes);
    const actualCrc = crc32c(bytes.subarray(0, length - HRL_HEADER_CHECKSUM_LENGTH));
    if (actualCrc !== raw.headerChecksum) {
      throw new CorruptFormatError({
        structure: HEADER, field: 'headerChecksum', offset: length - HRL_HEADER_CHECKSUM_LENGTH,
        expected: hex(actualCrc), actual: hex(raw.headerChecksum),
      });
    }
    if ((raw.flags & ~HRL_KNOWN_FLAGS) !== 0) {
      throw new UnsupportedFormatError(
        { structure: HEADER, field: 'flags', offset: f.flags, expected: `only bits ${hex(HRL_KNOWN_FLAGS)}`, actual: hex(raw.flags) },
        'the log uses flags this reader does not know',
      );
    }
    if (raw.dataUnitSize !== DATA_UNIT_SIZE) {
      throw new UnsupportedFormatError({ structure: HEADER, field: 'dataUnitSize', offset: f.dataUnitSize, expected: DATA_UNIT_SIZE, actual: raw.dataUnitSize });
    }
    if (raw.encryptionMode !== HRL_ENCRYPTION_NONE && raw.encryptionMode !== HRL_ENCRYPTION_AES256_XTS_PLAIN64) {
      throw new UnsupportedFormatError({ structure: HEADER, field: 'encryptionMode', offset: f.encryptionMode, expected: '0 or 1', actual: raw.encryptionMode });
    }
    const ids = this.identifiers(raw.idLengths, raw.ids, length);
    if (raw.sequence < 1n) {
      throw new CorruptFormatError({ structure: HEADER, field: 'sequence', offset: f.sequence, expected: '>= 1', actual: raw.sequence });
    }
    const vs = raw.virtualSize;
    if (vs < BigInt(HRL_SECTOR_SIZE) || vs > BigInt(HRL_MAX_VIRTUAL_SIZE) || vs % BigInt(HRL_SECTOR_SIZE) !== 0n) {
      throw new CorruptFormatError(
        { structure: HEADER, field: 'virtualSize', offset: f.virtualSize, expected: `multiple of 512 in 512..${HRL_MAX_VIRTUAL_SIZE}`, actual: vs },
        'absurd disk size',
      );
    }
    if (raw.cutTimeMs > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CorruptFormatError({ structure: HEADER, field: 'cutTimeMs', offset: f.cutTimeMs, expected: `<= ${Number.MAX_SAFE_INTEGER}`, actual: raw.cutTimeMs });
    }
    const encrypted = raw.encryptionMode === HRL_ENCRYPTION_AES256_XTS_PLAIN64;
    const fingerprintIsZero = raw.keyFingerprint.every((b) => b === 0);
    if (encrypted && vs % BigInt(DATA_UNIT_SIZE) !== 0n) {
      throw new CorruptFormatError(
        { structure: HEADER, field: 'virtualSize', offset: f.virtualSize, expected: 'multiple of 4096 when encrypted', actual: vs },
        'XTS encrypts whole 4 KiB units, so an encrypted disk must be whole units',
      );
    }
    if (encrypted === fingerprintIsZero) {
      throw new CorruptFormatError({
        structure: HEADER, field: 'keyFingerprint', offset: f.keyFingerprint,
        expected: encrypted ? 'non-zero when encrypted' : 'zero when plain', actual: raw.keyFingerprint.toString('hex'),
      });
    }
    const header: HrlHeader = {
      formatVersion: raw.formatVersion,
      vaultId: ids[0],
      protectedItemId: ids[1],
      diskId: ids[2],
      sequence: raw.sequence,
      epoch: raw.epoch,
      virtualSize: Number(vs),
      cutTimeMs: Number(raw.cutTimeMs),
      consistency: raw.flags & HRL_FLAG_APPLICATION_CONSISTENT ? 'application' : 'crash',
      finalPlannedFailover: (raw.flags & HRL_FLAG_FINAL_PLANNED_FAILOVER) !== 0,
      dataUnitSize: raw.dataUnitSize,
      encryption: encrypted ? 'aes-256-xts-plain64' : 'none',
      keyFingerprint: encrypted ? raw.keyFingerprint.toString('hex') : undefined,
      diskDigest: Buffer.from(raw.diskDigest),
      headerLength: length,
    };
    this.checkExpectation(header);
    this.header = header;
    this.diskLimit = Math.ceil(header.virtualSize / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
    this.logCrc = crc32c(bytes);
    this.position = length;
    return header;
  }

  /** Reads the 4-byte tag at the current position: a record or the trailer, nothing else. */
  kindOf(tagBytes: Buffer): HrlStructureKind {
    const tag = tagBytes.readUInt32LE(0);
    if (tag === HRL_RECORD_TAG) return 'record';
    if (tag === HRL_TRAILER_TAG) return 'trailer';
    throw new CorruptFormatError(
      { structure: RECORD, field: 'tag', offset: this.position, expected: `${hex(HRL_RECORD_TAG)} (HRLR) or ${hex(HRL_TRAILER_TAG)} (HRLT)`, actual: hex(tag) },
      'the log is damaged or misframed',
    );
  }

  /** The payload length of the record header at the current position, refused if absurd. */
  payloadLength(recordHeader: Buffer): number {
    const length = recordHeader.readUInt32LE(HrlRecordHeaderField.length);
    if (length === 0 || length > HRL_MAX_RECORD_LENGTH) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'length', offset: this.position + HrlRecordHeaderField.length, expected: `1..${HRL_MAX_RECORD_LENGTH}`, actual: length },
        'absurd record length',
      );
    }
    return length;
  }

  /** Validates one record (its 24-byte header and its whole payload) and advances past it. */
  acceptRecord(recordHeader: Buffer, payload: Buffer): HrlRecord {
    const at = this.position;
    const f = HrlRecordHeaderField;
    const raw = HrlRecordHeaderToken.get(recordHeader, 0);
    const crc = HrlRecordHeaderToken.crc(recordHeader, 0, payload);
    if (crc !== raw.recordCrc) {
      throw new CorruptFormatError({ structure: RECORD, field: 'recordCrc', offset: at + f.recordCrc, expected: hex(crc), actual: hex(raw.recordCrc) });
    }
    if (raw.reserved !== 0) {
      throw new CorruptFormatError({ structure: RECORD, field: 'reserved', offset: at + f.reserved, expected: 0, actual: raw.reserved });
    }
    if (raw.length % DATA_UNIT_SIZE !== 0) {
      throw new CorruptFormatError({ structure: RECORD, field: 'length', offset: at + f.length, expected: `multiple of ${DATA_UNIT_SIZE}`, actual: raw.length }, 'misaligned record');
    }
    if (raw.offset % BigInt(DATA_UNIT_SIZE) !== 0n) {
      throw new CorruptFormatError({ structure: RECORD, field: 'offset', offset: at + f.offset, expected: `multiple of ${DATA_UNIT_SIZE}`, actual: raw.offset }, 'misaligned record');
    }
    if (raw.offset + BigInt(raw.length) > BigInt(this.diskLimit)) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'offset', offset: at + f.offset, expected: `offset + length <= ${this.diskLimit}`, actual: `${raw.offset} + ${raw.length}` },
        'record outside the disk',
      );
    }
    const offset = Number(raw.offset);
    if (offset < this.previousEnd) {
      throw new CorruptFormatError(
        { structure: RECORD, field: 'offset', offset: at + f.offset, expected: `>= ${this.previousEnd}`, actual: offset },
        'records must ascend by offset without overlapping',
      );
    }
    this.checkTailPadding(payload, offset, at);
    this.previousEnd = offset + raw.length;
    this.logCrc = crc32c(recordHeader, this.logCrc);
    this.recordCount++;
    this.payloadBytes += raw.length;
    this.position = at + HRL_RECORD_HEADER_LENGTH + raw.length;
    return { offset, length: raw.length, payload, logOffset: at };
  }

  /** Validates the trailer at the current position against everything seen before it. */
  acceptTrailer(trailer: Buffer): HrlTrailer {
    const at = this.position;
    const f = HrlTrailerField;
    const raw = HrlTrailerToken.get(trailer, 0);
    const checksum = this.logChecksumWith(trailer.subarray(0, f.logChecksum));
    if (checksum !== raw.logChecksum) {
      throw new CorruptFormatError({ structure: TRAILER, field: 'logChecksum', offset: at + f.logChecksum, expected: hex(checksum), actual: hex(raw.logChecksum) });
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

  private badMagic(prefix: Buffer): never {
    throw new CorruptFormatError(
      { structure: HEADER, field: 'magic', offset: 0, expected: HRL_MAGIC.toString('hex'), actual: prefix.subarray(0, HRL_MAGIC.length).toString('hex') },
      'not an HRL replica log',
    );
  }

  private identifiers(lengths: [number, number, number], bytes: Buffer, headerLength: number): [string, string, string] {
    const fields = ['vaultIdLength', 'protectedItemIdLength', 'diskIdLength'] as const;
    lengths.forEach((n, i) => {
      if (n === 0) {
        throw new CorruptFormatError({ structure: HEADER, field: fields[i], offset: HrlHeaderField[fields[i]], expected: `1..${HRL_MAX_ID_BYTES}`, actual: 0 });
      }
    });
    const total = lengths[0] + lengths[1] + lengths[2];
    if (HRL_HEADER_FIXED_LENGTH + total + HRL_HEADER_CHECKSUM_LENGTH !== headerLength) {
      throw new CorruptFormatError({
        structure: HEADER, field: 'headerLength', offset: HrlHeaderField.headerLength,
        expected: HRL_HEADER_FIXED_LENGTH + total + HRL_HEADER_CHECKSUM_LENGTH, actual: headerLength,
      }, 'header length disagrees with the identifier lengths');
    }
    const names = ['vaultId', 'protectedItemId', 'diskId'];
    let at = 0;
    return lengths.map((n, i) => {
      const offset = HrlHeaderField.ids + at;
      const slice = bytes.subarray(at, at + n);
      at += n;
      try {
        return utf8.decode(slice);
      } catch (cause) {
        throw new CorruptFormatError({ structure: HEADER, field: names[i], offset, expected: 'UTF-8', actual: slice.toString('hex') }, 'invalid UTF-8', cause);
      }
    }) as [string, string, string];
  }

  private checkExpectation(h: HrlHeader): void {
    const e = this.expect;
    const f = HrlHeaderField;
    const idOffset = [f.ids, f.ids + Buffer.byteLength(h.vaultId), f.ids + Buffer.byteLength(h.vaultId) + Buffer.byteLength(h.protectedItemId)];
    const checks: [string, number, unknown, unknown][] = [
      ['vaultId', idOffset[0], e.vaultId, h.vaultId],
      ['protectedItemId', idOffset[1], e.protectedItemId, h.protectedItemId],
      ['diskId', idOffset[2], e.diskId, h.diskId],
      ['epoch', f.epoch, e.epoch, h.epoch],
      ['virtualSize', f.virtualSize, e.virtualSize, h.virtualSize],
      ['sequence', f.sequence, e.sequence, h.sequence],
      ['keyFingerprint', f.keyFingerprint, e.keyFingerprint === null ? 'none' : e.keyFingerprint, h.keyFingerprint ?? 'none'],
    ];
    for (const [field, offset, expected, actual] of checks) {
      if (expected !== undefined && expected !== actual) {
        throw new HrlIdentityMismatchError({ structure: HEADER, field, offset, expected: String(expected), actual: String(actual) });
      }
    }
  }

  /** Plain logs: bytes of the last unit beyond the disk's end must be zero (they are not written). */
  private checkTailPadding(payload: Buffer, offset: number, at: number): void {
    const h = this.header!;
    const end = offset + payload.length;
    if (h.encryption !== 'none' || end <= h.virtualSize) return;
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
