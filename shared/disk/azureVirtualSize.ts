const MIB = 1024 * 1024;

/** The virtual size Azure accepts for a disk of `size` bytes: rounded up to a whole MiB (at least 1 MiB). */
export function azureVirtualSize(size: number): number {
  return Math.max(MIB, Math.ceil(size / MIB) * MIB);
}
