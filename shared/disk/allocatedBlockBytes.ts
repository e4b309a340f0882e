/** Bytes of a virtual disk covered by allocated blocks (the last block may be cut by the disk's end). */
export function allocatedBlockBytes(blockOffsets: readonly (number | undefined)[], blockSize: number, virtualSize: number): number {
  let total = 0;
  blockOffsets.forEach((at, i) => {
    if (at !== undefined) total += Math.min(blockSize, virtualSize - i * blockSize);
  });
  return total;
}
