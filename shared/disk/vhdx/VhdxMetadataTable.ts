import { Decoded, Field, UINT16_LE, UINT32_LE, ascii, bytes, decodeFields } from '../binary/Token';

/**
 * The metadata table at the start of the metadata region, little-endian, followed by the items
 * it points to (offsets relative to the region start).
 *
 * Layout: 0 signature "metadata" | 8 reserved | 10 entry count | 12 reserved | 32 entries,
 * each 32 bytes: 0 item GUID | 16 offset | 20 length | 24 flags (bit 0 user, bit 1 virtual
 * disk, bit 2 required)
 * @see MS-VHDX 2.6.1 "Metadata Table"
 */
export const VHDX_METADATA_TABLE = {
  len: 64 * 1024,
  signature: { at: 0, token: ascii(8) } as Field<string>,
  /** At most 2047. */
  entryCount: { at: 10, token: UINT16_LE } as Field<number>,
  entriesAt: 32,
  maxEntries: 2047,
} as const;

export const VHDX_METADATA_ENTRY = {
  len: 32,
  itemId: { at: 0, token: bytes(16) } as Field<Buffer>,
  /** From the region start; at least 64 KiB (past the table). */
  offset: { at: 16, token: UINT32_LE } as Field<number>,
  length: { at: 20, token: UINT32_LE } as Field<number>,
  flags: { at: 24, token: UINT32_LE } as Field<number>,
} as const;

export const VHDX_METADATA_SIGNATURE = 'metadata';
export const VHDX_METADATA_FLAG_USER = 0x1;
export const VHDX_METADATA_FLAG_REQUIRED = 0x4;

/** Known system metadata items. @see MS-VHDX 2.6.2 */
export const VhdxMetadataItem = {
  /** u32 block size (1..256 MiB, power of two), u32 flags: bit 0 leave blocks allocated, bit 1 has parent. */
  fileParameters: 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B',
  /** u64 virtual disk size in bytes. */
  virtualDiskSize: '2FA54224-CD1B-4876-B211-5DBED83BF4B8',
  virtualDiskId: 'BECA12AB-B2E6-4523-93EF-C309E000C746',
  /** u32, 512 or 4096. */
  logicalSectorSize: '8141BF1D-A96F-4709-BA47-F233A8FAAB5F',
  physicalSectorSize: 'CDA348C7-445D-4471-9CC9-E9885251C556',
  parentLocator: 'A8D35F2D-B30B-454D-ABF7-D3D84834AB0C',
} as const;

export type VhdxMetadataEntry = Decoded<typeof VHDX_METADATA_ENTRY> & {
  /** Absolute offset of the entry in the file. */
  at: number;
};

export function decodeVhdxMetadataEntry(buf: Buffer, base: number, at: number): VhdxMetadataEntry {
  return { ...decodeFields(buf, base, VHDX_METADATA_ENTRY), at };
}
