/**
 * A 64-bit VHDX BAT entry, little-endian: bits 0-2 state, bits 20-63 file offset in MiB.
 * Payload entries and sector-bitmap entries interleave: after every `chunkRatio` payload
 * entries comes one sector-bitmap entry, chunkRatio = 2^23 * logical sector size / block size.
 * @see MS-VHDX 2.5 "BAT"
 */
export const VhdxPayloadState = {
  notPresent: 0,
  undefined: 1,
  zero: 2,
  unmapped: 3,
  fullyPresent: 6,
  /** Only meaningful in a differencing disk. */
  partiallyPresent: 7,
} as const;

export const VhdxBitmapState = { notPresent: 0, present: 6 } as const;

export interface VhdxBatEntry {
  state: number;
  /** Absolute file offset of the block (a whole number of MiB). */
  fileOffset: number;
}

export function decodeVhdxBatEntry(raw: bigint): VhdxBatEntry {
  return { state: Number(raw & 7n), fileOffset: Number(raw >> 20n) * 1024 * 1024 };
}

/** Sectors one sector-bitmap block covers, expressed in payload blocks. */
export function vhdxChunkRatio(logicalSectorSize: number, blockSize: number): number {
  return (2 ** 23 * logicalSectorSize) / blockSize;
}

/** BAT index of payload block `block`. */
export function vhdxPayloadIndex(block: number, chunkRatio: number): number {
  return block + Math.floor(block / chunkRatio);
}
