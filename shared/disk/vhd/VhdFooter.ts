import { Decoded, Field, UINT8, UINT16_BE, UINT32_BE, UINT64_BE, ascii, bytes, decodeFields } from '../binary/Token';

/**
 * The 512-byte VHD footer ("hard disk footer"), big-endian. A fixed VHD has it only at the end
 * of the file; a dynamic or differencing VHD also has a copy at offset 0.
 *
 * Layout (offset: field):
 *   0 cookie "conectix" | 8 features | 12 format version | 16 data offset | 24 timestamp
 *  28 creator app | 32 creator version | 36 creator host OS | 40 original size
 *  48 current size | 56 geometry (u16 cylinders, u8 heads, u8 sectors/track) | 60 disk type
 *  64 checksum | 68 unique id | 84 saved state | 85..511 reserved (zero)
 * @see Virtual Hard Disk Image Format Specification, "Hard Disk Footer Format"
 */
export const VHD_FOOTER = {
  len: 512,
  /** Always "conectix". */
  cookie: { at: 0, token: ascii(8) } as Field<string>,
  /** Bit 1 ("reserved") must always be set. */
  features: { at: 8, token: UINT32_BE } as Field<number>,
  /** 0x00010000 for every VHD ever written. */
  formatVersion: { at: 12, token: UINT32_BE } as Field<number>,
  /** Absolute offset of the dynamic header; all ones for a fixed disk. */
  dataOffset: { at: 16, token: UINT64_BE } as Field<bigint>,
  /** Seconds since 2000-01-01T00:00:00Z. */
  timestamp: { at: 24, token: UINT32_BE } as Field<number>,
  creatorApp: { at: 28, token: ascii(4) } as Field<string>,
  creatorVersion: { at: 32, token: UINT32_BE } as Field<number>,
  /** "Wi2k" for Windows. */
  creatorHostOs: { at: 36, token: ascii(4) } as Field<string>,
  originalSize: { at: 40, token: UINT64_BE } as Field<bigint>,
  /** The virtual disk size in bytes; authoritative for creator "win " (Hyper-V). */
  currentSize: { at: 48, token: UINT64_BE } as Field<bigint>,
  cylinders: { at: 56, token: UINT16_BE } as Field<number>,
  heads: { at: 58, token: UINT8 } as Field<number>,
  sectorsPerTrack: { at: 59, token: UINT8 } as Field<number>,
  /** 2 fixed, 3 dynamic, 4 differencing. */
  diskType: { at: 60, token: UINT32_BE } as Field<number>,
  /** One's complement of the byte sum of the footer without this field. */
  checksum: { at: 64, token: UINT32_BE } as Field<number>,
  uniqueId: { at: 68, token: bytes(16) } as Field<Buffer>,
  savedState: { at: 84, token: UINT8 } as Field<number>,
} as const;

export const VHD_COOKIE = 'conectix';
export const VHD_FORMAT_VERSION = 0x00010000;
/** Features bit that every footer must carry. */
export const VHD_FEATURE_RESERVED = 0x2;
/** Data offset of a fixed disk: there is no dynamic header. */
export const VHD_NO_DATA_OFFSET = 0xffffffffffffffffn;

export const VhdDiskType = { fixed: 2, dynamic: 3, differencing: 4 } as const;

/** The decoded footer. */
export type VhdFooter = Decoded<typeof VHD_FOOTER>;

/** Decodes every field without judging it (see `validateVhdFooter`). */
export function decodeVhdFooter(buf: Buffer): VhdFooter {
  return decodeFields(buf, 0, VHD_FOOTER);
}
