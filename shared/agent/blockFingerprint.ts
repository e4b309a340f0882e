import { crc32, crc32c } from '@node-rs/crc32';

/** Bytes of one block's change-detection fingerprint. */
export const FINGERPRINT_SIZE = 8;

/**
 * Writes the change-detection fingerprint of one 4 KiB block into `out` at `at`: CRC-32C and
 * CRC-32 (IEEE) of the block, two different generator polynomials. A change goes unseen only
 * if its error polynomial is a multiple of both (degree 64 together): about 2^-64 for a
 * changed block. Not collision-resistant against an adversary, but the writer of a protected
 * disk is its owner, and both CRCs run at several GB/s where SHA-256 runs at one.
 * The Merkle leaves (SHA-256) are computed only for blocks found changed.
 */
export function writeBlockFingerprint(block: Uint8Array, out: Buffer, at: number): void {
  const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  out.writeUInt32LE(crc32c(b) >>> 0, at);
  out.writeUInt32LE(crc32(b) >>> 0, at + 4);
}

/** The fingerprint of a 4 KiB block of zeros (what every unallocated block has). */
export const ZERO_BLOCK_FINGERPRINT: Buffer = (() => {
  const out = Buffer.alloc(FINGERPRINT_SIZE);
  writeBlockFingerprint(Buffer.alloc(4096), out, 0);
  return out;
})();
