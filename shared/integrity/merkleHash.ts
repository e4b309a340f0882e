import { createHash, hash } from 'node:crypto';
import { DATA_UNIT_SIZE } from '../crypto/dataUnit';

/** Size of a SHA-256 hash, i.e. of every Merkle node. */
export const HASH_SIZE = 32;

/** Block size of the disk digest: one data unit. */
export const DIGEST_BLOCK_SIZE = DATA_UNIT_SIZE;

const ZERO_PAD = Buffer.alloc(DIGEST_BLOCK_SIZE);

/** Leaf hash: SHA-256 of one 4 KiB block; a short final block is zero-padded to 4 KiB first. */
export function leafHash(block: Uint8Array): Buffer {
  if (block.length > DIGEST_BLOCK_SIZE) throw new RangeError(`block of ${block.length} bytes exceeds ${DIGEST_BLOCK_SIZE}`);
  // One-shot crypto.hash: about 20% faster than createHash for 4 KiB inputs.
  if (block.length === DIGEST_BLOCK_SIZE) return hash('sha256', block, 'buffer');
  return createHash('sha256').update(block).update(ZERO_PAD.subarray(block.length)).digest();
}

/** Interior node: SHA-256(left || right). */
export function parentHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([left, right], 2 * HASH_SIZE), 'buffer');
}

/** Root of a disk of size 0 (no leaves): SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();
