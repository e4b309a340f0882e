import { DIGEST_BLOCK_SIZE, leafHash } from './merkleHash';
import { MerkleAccumulator } from './MerkleAccumulator';

/**
 * The disk digest (Merkle root of SHA-256 over 4 KiB blocks) of exactly `size` bytes read from
 * chunks of any size. Throws when the source yields fewer or more than `size` bytes, because a
 * digest of the wrong length would verify nothing.
 */
export async function digestOfStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
): Promise<Buffer> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not a byte count`);
  const acc = new MerkleAccumulator();
  const partial = Buffer.allocUnsafe(DIGEST_BLOCK_SIZE);
  let partialLength = 0;
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > size) throw new RangeError(`source yielded more than the declared ${size} bytes`);
    let at = 0;
    if (partialLength > 0) {
      const take = Math.min(DIGEST_BLOCK_SIZE - partialLength, chunk.length);
      partial.set(chunk.subarray(0, take), partialLength);
      partialLength += take;
      at = take;
      if (partialLength === DIGEST_BLOCK_SIZE) {
        acc.addLeaf(leafHash(partial));
        partialLength = 0;
      }
    }
    for (; at + DIGEST_BLOCK_SIZE <= chunk.length; at += DIGEST_BLOCK_SIZE) {
      acc.addLeaf(leafHash(chunk.subarray(at, at + DIGEST_BLOCK_SIZE)));
    }
    if (at < chunk.length) {
      partial.set(chunk.subarray(at), partialLength);
      partialLength += chunk.length - at;
    }
  }
  if (seen !== size) throw new RangeError(`source yielded ${seen} bytes, expected ${size}`);
  if (partialLength > 0) acc.addLeaf(leafHash(partial.subarray(0, partialLength)));
  return acc.root();
}
