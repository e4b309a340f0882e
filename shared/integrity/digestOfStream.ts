import { diskBlocks } from './diskBlocks';
import { leafHash } from './merkleHash';
import { MerkleAccumulator } from './MerkleAccumulator';

/**
 * The disk digest (Merkle root of SHA-256 over 4 KiB blocks) of exactly `size` bytes read from
 * chunks of any size, keeping only log2(n) nodes. Throws a RangeError when the source yields
 * fewer or more than `size` bytes.
 */
export async function digestOfStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
): Promise<Buffer> {
  const acc = new MerkleAccumulator();
  for await (const block of diskBlocks(source, size)) acc.addLeaf(leafHash(block));
  return acc.root();
}
