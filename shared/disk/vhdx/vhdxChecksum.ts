import { crc32c } from '@node-rs/crc32';

/**
 * CRC-32C of a VHDX header or region table, computed with its 4-byte checksum field as zero.
 * @see MS-VHDX 2.2.2 "Header", Checksum
 */
export function vhdxChecksum(structure: Buffer, checksumAt: number): number {
  const copy = Buffer.from(structure);
  copy.fill(0, checksumAt, checksumAt + 4);
  return crc32c(copy) >>> 0;
}
