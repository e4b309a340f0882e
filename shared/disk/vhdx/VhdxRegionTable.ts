import { Decoded, Field, UINT32_LE, UINT64_LE, ascii, bytes, decodeFields } from '../binary/Token';

/**
 * The 64 KiB VHDX region table, at 192 KiB (a copy at 256 KiB), little-endian: where the BAT
 * and the metadata region live.
 *
 * Layout: 0 signature "regi" | 4 checksum | 8 entry count | 12 reserved | 16 entries,
 * each 32 bytes: 0 GUID | 16 file offset | 24 length | 28 required (bit 0)
 * @see MS-VHDX 2.2.3 "Region Table"
 */
export const VHDX_REGION_TABLE = {
  len: 64 * 1024,
  signature: { at: 0, token: ascii(4) } as Field<string>,
  /** CRC-32C over the 64 KiB table with this field zeroed. */
  checksum: { at: 4, token: UINT32_LE } as Field<number>,
  /** At most 2047. */
  entryCount: { at: 8, token: UINT32_LE } as Field<number>,
  entriesAt: 16,
  maxEntries: 2047,
} as const;

export const VHDX_REGION_ENTRY = {
  len: 32,
  guid: { at: 0, token: bytes(16) } as Field<Buffer>,
  /** 1 MiB aligned, at or past 1 MiB. */
  fileOffset: { at: 16, token: UINT64_LE } as Field<bigint>,
  /** A multiple of 1 MiB. */
  length: { at: 24, token: UINT32_LE } as Field<number>,
  /** Bit 0: a reader that does not know this region must refuse the file. */
  required: { at: 28, token: UINT32_LE } as Field<number>,
} as const;

export const VHDX_REGION_TABLE_OFFSETS = [192 * 1024, 256 * 1024] as const;
export const VHDX_REGION_SIGNATURE = 'regi';
export const VHDX_BAT_REGION_GUID = '2DC27766-F623-4200-9D64-115E9BFD4A08';
export const VHDX_METADATA_REGION_GUID = '8B7CA206-4790-4B9A-B8FE-575F050F886E';

export type VhdxRegionEntry = Decoded<typeof VHDX_REGION_ENTRY> & {
  /** Absolute offset of the entry in the file. */
  at: number;
};

export function decodeVhdxRegionEntry(buf: Buffer, base: number, at: number): VhdxRegionEntry {
  return { ...decodeFields(buf, base, VHDX_REGION_ENTRY), at };
}
