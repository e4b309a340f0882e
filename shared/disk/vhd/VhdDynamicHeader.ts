import { Decoded, Field, UINT32_BE, UINT64_BE, ascii, decodeFields } from '../binary/Token';

/**
 * The 1024-byte dynamic disk header of a dynamic or differencing VHD, big-endian, at the
 * footer's data offset (512 in practice).
 *
 * Layout (offset: field):
 *   0 cookie "cxsparse" | 8 data offset (unused, all ones) | 16 table offset (BAT, absolute)
 *  24 header version | 28 max table entries | 32 block size | 36 checksum
 *  40 parent unique id | 56 parent timestamp | 64 parent unicode name | 576 parent locators
 * @see Virtual Hard Disk Image Format Specification, "Dynamic Disk Header Format"
 */
export const VHD_DYNAMIC_HEADER = {
  len: 1024,
  /** Always "cxsparse". */
  cookie: { at: 0, token: ascii(8) } as Field<string>,
  /** Absolute offset of the Block Allocation Table. */
  tableOffset: { at: 16, token: UINT64_BE } as Field<bigint>,
  /** 0x00010000. */
  headerVersion: { at: 24, token: UINT32_BE } as Field<number>,
  /** BAT entries; at least the blocks the virtual size needs. */
  maxTableEntries: { at: 28, token: UINT32_BE } as Field<number>,
  /** Data bytes per block (2 MiB by default), a power of two; excludes the sector bitmap. */
  blockSize: { at: 32, token: UINT32_BE } as Field<number>,
  /** One's complement of the byte sum of the header without this field. */
  checksum: { at: 36, token: UINT32_BE } as Field<number>,
} as const;

export const VHD_DYNAMIC_COOKIE = 'cxsparse';
export const VHD_DYNAMIC_HEADER_VERSION = 0x00010000;
/** A BAT entry of all ones: the block is not allocated and reads as zero. */
export const VHD_BAT_UNUSED = 0xffffffff;

export type VhdDynamicHeader = Decoded<typeof VHD_DYNAMIC_HEADER>;

export function decodeVhdDynamicHeader(buf: Buffer): VhdDynamicHeader {
  return decodeFields(buf, 0, VHD_DYNAMIC_HEADER);
}
