import { Decoded, Field, UINT16_LE, UINT32_LE, UINT64_LE, ascii, bytes, decodeFields } from '../binary/Token';

/**
 * One of the two 4 KiB VHDX headers, at 64 KiB and 128 KiB, little-endian. The current header
 * is the valid one (signature and CRC-32C) with the larger sequence number.
 *
 * Layout (offset: field):
 *   0 signature "head" | 4 checksum | 8 sequence number | 16 file write GUID
 *  32 data write GUID | 48 log GUID | 64 log version | 66 version | 68 log length
 *  72 log offset | 80..4095 reserved
 * @see MS-VHDX 2.2.2 "Header"
 */
export const VHDX_HEADER = {
  len: 4096,
  signature: { at: 0, token: ascii(4) } as Field<string>,
  /** CRC-32C over the 4 KiB header with this field zeroed. */
  checksum: { at: 4, token: UINT32_LE } as Field<number>,
  sequenceNumber: { at: 8, token: UINT64_LE } as Field<bigint>,
  /** Non-zero when the log holds entries that must be replayed before the file is consistent. */
  logGuid: { at: 48, token: bytes(16) } as Field<Buffer>,
  /** Must be 0. */
  logVersion: { at: 64, token: UINT16_LE } as Field<number>,
  /** Must be 1. */
  version: { at: 66, token: UINT16_LE } as Field<number>,
  logLength: { at: 68, token: UINT32_LE } as Field<number>,
  logOffset: { at: 72, token: UINT64_LE } as Field<bigint>,
} as const;

export const VHDX_HEADER_OFFSETS = [64 * 1024, 128 * 1024] as const;
export const VHDX_HEADER_SIGNATURE = 'head';

export type VhdxHeader = Decoded<typeof VHDX_HEADER> & {
  /** Absolute offset the header was read from. */
  at: number;
};

export function decodeVhdxHeader(buf: Buffer, at: number): VhdxHeader {
  return { ...decodeFields(buf, 0, VHDX_HEADER), at };
}
