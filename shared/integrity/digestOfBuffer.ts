import { DIGEST_BLOCK_SIZE, leafHash } from './merkleHash';
import { MerkleAccumulator } from './MerkleAccumulator';

/** The disk digest of a whole in-memory image (see {@link digestOfStream}). */
export function digestOfBuffer(data: Uint8Array): Buffer {
  const acc = new MerkleAccumulator();
  for (let at = 0; at < data.length; at += DIGEST_BLOCK_SIZE) {
    acc.addLeaf(leafHash(data.subarray(at, Math.min(at + DIGEST_BLOCK_SIZE, data.length))));
  }
  return acc.root();
}
