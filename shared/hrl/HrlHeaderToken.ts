import { crc32c } from '@node-rs/crc32';
import { HRL_MAGIC } from './hrlConstants';

/**
 * The HRL header: a fixed part, the three identifiers, then a CRC-32C. Little-endian.
 *
 * | off | size | field                 | rule                                                   |
 * |-----|------|-----------------------|--------------------------------------------------------|
 * |   0 |    8 | magic                 | 89 48 52 4C 0D 0A 1A 0A                                |
 * |   8 |    2 | formatVersion         | 1, else unsupported                                    |
 * |  10 |    2 | headerLength          | 120 + id bytes + 4; 127..889                           |
 * |  12 |    4 | flags                 | bit0 app-consistent, bit1 final planned failover, bit2 partial seed; rest 0 |
 * |  16 |    8 | sequence              | >= 1                                                   |
 * |  24 |    8 | epoch                 | any                                                    |
 * |  32 |    8 | virtualSize           | multiple of 512, 512..64 TiB                           |
 * |  40 |    8 | cutTimeMs             | <= 2^53 - 1                                            |
 * |  48 |    4 | dataUnitSize          | 4096, else unsupported                                 |
 * |  52 |    1 | encryptionMode        | 0 none, 1 AES-256-XTS plain64, else unsupported        |
 * |  53 |    1 | vaultIdLength         | 1..255                                                 |
 * |  54 |    1 | protectedItemIdLength | 1..255                                                 |
 * |  55 |    1 | diskIdLength          | 1..255                                                 |
 * |  56 |   32 | keyFingerprint        | zero when plain, non-zero when encrypted               |
 * |  88 |   32 | diskDigest            | Merkle root of the stored disk at the cut              |
 * | 120 |    n | vaultId, protectedItemId, diskId | UTF-8, back to back                         |
 * | 120+n | 4  | headerChecksum        | CRC-32C of bytes [0, 120+n)                            |
 * @see docs/hrl-format.md
 */
export const HrlHeaderField = {
  magic: 0,
  formatVersion: 8,
  headerLength: 10,
  flags: 12,
  sequence: 16,
  epoch: 24,
  virtualSize: 32,
  cutTimeMs: 40,
  dataUnitSize: 48,
  encryptionMode: 52,
  vaultIdLength: 53,
  protectedItemIdLength: 54,
  diskIdLength: 55,
  keyFingerprint: 56,
  diskDigest: 88,
  ids: 120,
} as const;

/** Bytes before the identifiers. */
export const HRL_HEADER_FIXED_LENGTH = 120;
/** Bytes a reader needs to learn `headerLength`: magic, version, headerLength. */
export const HRL_HEADER_PREFIX_LENGTH = 12;
export const HRL_HEADER_CHECKSUM_LENGTH = 4;

/** The header's fields as stored, before any validation. */
export interface RawHrlHeader {
  formatVersion: number;
  headerLength: number;
  flags: number;
  sequence: bigint;
  epoch: bigint;
  virtualSize: bigint;
  cutTimeMs: bigint;
  dataUnitSize: number;
  encryptionMode: number;
  idLengths: [number, number, number];
  keyFingerprint: Buffer;
  diskDigest: Buffer;
  /** Identifier bytes, `headerLength - 124` of them. */
  ids: Buffer;
  headerChecksum: number;
}

export const HrlHeaderToken = {
  /** Decodes a whole header (`buf` holds exactly `headerLength` bytes). */
  get(buf: Buffer): RawHrlHeader {
    const f = HrlHeaderField;
    const headerLength = buf.readUInt16LE(f.headerLength);
    return {
      formatVersion: buf.readUInt16LE(f.formatVersion),
      headerLength,
      flags: buf.readUInt32LE(f.flags),
      sequence: buf.readBigUInt64LE(f.sequence),
      epoch: buf.readBigUInt64LE(f.epoch),
      virtualSize: buf.readBigUInt64LE(f.virtualSize),
      cutTimeMs: buf.readBigUInt64LE(f.cutTimeMs),
      dataUnitSize: buf.readUInt32LE(f.dataUnitSize),
      encryptionMode: buf.readUInt8(f.encryptionMode),
      idLengths: [buf.readUInt8(f.vaultIdLength), buf.readUInt8(f.protectedItemIdLength), buf.readUInt8(f.diskIdLength)],
      keyFingerprint: buf.subarray(f.keyFingerprint, f.keyFingerprint + 32),
      diskDigest: buf.subarray(f.diskDigest, f.diskDigest + 32),
      ids: buf.subarray(f.ids, headerLength - HRL_HEADER_CHECKSUM_LENGTH),
      headerChecksum: buf.readUInt32LE(headerLength - HRL_HEADER_CHECKSUM_LENGTH),
    };
  },

  /** Encodes a header and fills in `headerLength` and the checksum from the identifiers. */
  put(raw: Omit<RawHrlHeader, 'headerLength' | 'headerChecksum' | 'idLengths' | 'ids'> & { idParts: Buffer[] }): Buffer {
    const f = HrlHeaderField;
    const idBytes = raw.idParts.reduce((n, p) => n + p.length, 0);
    const headerLength = HRL_HEADER_FIXED_LENGTH + idBytes + HRL_HEADER_CHECKSUM_LENGTH;
    const buf = Buffer.alloc(headerLength);
    HRL_MAGIC.copy(buf, f.magic);
    buf.writeUInt16LE(raw.formatVersion, f.formatVersion);
    buf.writeUInt16LE(headerLength, f.headerLength);
    buf.writeUInt32LE(raw.flags, f.flags);
    buf.writeBigUInt64LE(raw.sequence, f.sequence);
    buf.writeBigUInt64LE(raw.epoch, f.epoch);
    buf.writeBigUInt64LE(raw.virtualSize, f.virtualSize);
    buf.writeBigUInt64LE(raw.cutTimeMs, f.cutTimeMs);
    buf.writeUInt32LE(raw.dataUnitSize, f.dataUnitSize);
    buf.writeUInt8(raw.encryptionMode, f.encryptionMode);
    buf.writeUInt8(raw.idParts[0].length, f.vaultIdLength);
    buf.writeUInt8(raw.idParts[1].length, f.protectedItemIdLength);
    buf.writeUInt8(raw.idParts[2].length, f.diskIdLength);
    raw.keyFingerprint.copy(buf, f.keyFingerprint);
    raw.diskDigest.copy(buf, f.diskDigest);
    Buffer.concat(raw.idParts).copy(buf, f.ids);
    buf.writeUInt32LE(crc32c(buf.subarray(0, headerLength - HRL_HEADER_CHECKSUM_LENGTH)), headerLength - HRL_HEADER_CHECKSUM_LENGTH);
    return buf;
  },
};
