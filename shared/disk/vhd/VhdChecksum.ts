/**
 * The VHD checksum: the one's complement of the byte sum of the structure with its checksum
 * field taken as zero. Used by the footer and the dynamic disk header.
 * @see Virtual Hard Disk Image Format Specification, "Hard Disk Footer Format", Checksum
 */
export function vhdChecksum(structure: Buffer, checksumAt: number): number {
  let sum = 0;
  for (let i = 0; i < structure.length; i++) {
    if (i >= checksumAt && i < checksumAt + 4) continue;
    sum = (sum + structure[i]) >>> 0;
  }
  return ~sum >>> 0;
}
