import { crc32c } from '@node-rs/crc32';
import { CorruptFormatError, UnsupportedFormatError } from '../errors';
import { DATA_UNIT_SIZE } from '../crypto/dataUnit';
import {
  HRL_ENCRYPTION_AES256_XTS_PLAIN64,
  HRL_ENCRYPTION_NONE,
  HRL_FLAG_APPLICATION_CONSISTENT,
  HRL_FLAG_FINAL_PLANNED_FAILOVER,
  HRL_FLAG_PARTIAL_SEED,
  HRL_FORMAT_VERSION,
  HRL_KNOWN_FLAGS,
  HRL_MAGIC,
  HRL_MAX_ID_BYTES,
  HRL_MAX_VIRTUAL_SIZE,
  HRL_SECTOR_SIZE,
} from './hrlConstants';
import { HrlExpectation } from './HrlExpectation';
import { hex32 } from './hex32';
import { HrlHeader } from './HrlHeader';
import {
  HRL_HEADER_CHECKSUM_LENGTH,
  HRL_HEADER_FIXED_LENGTH,
  HRL_HEADER_PREFIX_LENGTH,
  HrlHeaderField,
  HrlHeaderToken,
} from './HrlHeaderToken';
import { HrlIdentityMismatchError } from './HrlIdentityMismatchError';

const HEADER = 'HRL header';
const MIN_HEADER_LENGTH = HRL_HEADER_FIXED_LENGTH + 3 + HRL_HEADER_CHECKSUM_LENGTH;
const MAX_HEADER_LENGTH = HRL_HEADER_FIXED_LENGTH + 3 * HRL_MAX_ID_BYTES + HRL_HEADER_CHECKSUM_LENGTH;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks magic, version and header length from the first 12 bytes; returns the header length. */
export function hrlHeaderLength(prefix: Buffer): number {
  if (prefix.length < HRL_HEADER_PREFIX_LENGTH) {
    // Judge the magic on what is there, so a short non-HRL input says "bad magic".
    const seen = prefix.subarray(0, Math.min(prefix.length, HRL_MAGIC.length));
    if (!seen.equals(HRL_MAGIC.subarray(0, seen.length))) badMagic(prefix);
    throw new CorruptFormatError(
      { structure: HEADER, field: 'prefix', offset: prefix.length, expected: `${HRL_HEADER_PREFIX_LENGTH} bytes`, actual: `${prefix.length} bytes` },
      'the log is truncated',
    );
  }
  if (!prefix.subarray(0, HRL_MAGIC.length).equals(HRL_MAGIC)) badMagic(prefix);
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

/**
 * Validates a whole header (`bytes` = exactly `headerLength` bytes) in spec order, then the
 * caller's expectation. @see docs/hrl-format.md, "How a reader must fail"
 */
export function validateHrlHeader(bytes: Buffer, expect: HrlExpectation = {}): HrlHeader {
  const length = hrlHeaderLength(bytes);
  const f = HrlHeaderField;
  const raw = HrlHeaderToken.get(bytes);
  const actualCrc = crc32c(bytes.subarray(0, length - HRL_HEADER_CHECKSUM_LENGTH));
  if (actualCrc !== raw.headerChecksum) {
    throw new CorruptFormatError({
      structure: HEADER, field: 'headerChecksum', offset: length - HRL_HEADER_CHECKSUM_LENGTH,
      expected: hex32(actualCrc), actual: hex32(raw.headerChecksum),
    });
  }
  if ((raw.flags & ~HRL_KNOWN_FLAGS) !== 0) {
    throw new UnsupportedFormatError(
      { structure: HEADER, field: 'flags', offset: f.flags, expected: `only bits ${hex32(HRL_KNOWN_FLAGS)}`, actual: hex32(raw.flags) },
      'the log uses flags this reader does not know',
    );
  }
  if (raw.dataUnitSize !== DATA_UNIT_SIZE) {
    throw new UnsupportedFormatError({ structure: HEADER, field: 'dataUnitSize', offset: f.dataUnitSize, expected: DATA_UNIT_SIZE, actual: raw.dataUnitSize });
  }
  if (raw.encryptionMode !== HRL_ENCRYPTION_NONE && raw.encryptionMode !== HRL_ENCRYPTION_AES256_XTS_PLAIN64) {
    throw new UnsupportedFormatError({ structure: HEADER, field: 'encryptionMode', offset: f.encryptionMode, expected: '0 or 1', actual: raw.encryptionMode });
  }
  const ids = identifiers(raw.idLengths, raw.ids, length);
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
    partialSeed: (raw.flags & HRL_FLAG_PARTIAL_SEED) !== 0,
    dataUnitSize: raw.dataUnitSize,
    encryption: encrypted ? 'aes-256-xts-plain64' : 'none',
    keyFingerprint: encrypted ? raw.keyFingerprint.toString('hex') : undefined,
    diskDigest: Buffer.from(raw.diskDigest),
    headerLength: length,
  };
  checkExpectation(header, expect);
  return header;
}

function badMagic(prefix: Buffer): never {
  throw new CorruptFormatError(
    { structure: HEADER, field: 'magic', offset: 0, expected: HRL_MAGIC.toString('hex'), actual: prefix.subarray(0, HRL_MAGIC.length).toString('hex') },
    'not an HRL replica log',
  );
}

function identifiers(lengths: [number, number, number], bytes: Buffer, headerLength: number): [string, string, string] {
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

function checkExpectation(h: HrlHeader, e: HrlExpectation): void {
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
