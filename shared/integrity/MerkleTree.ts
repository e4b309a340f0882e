import { diskBlocks } from './diskBlocks';
import { DIGEST_BLOCK_SIZE, EMPTY_ROOT, HASH_SIZE, leafHash, parentHash } from './merkleHash';

/**
 * The whole Merkle tree of a disk, kept so that changing k blocks costs k·log2(n) hashes instead
 * of n. Level 0 holds the leaf hashes; each level above pairs the one below, and an odd last
 * node is promoted unchanged. Memory: about 64 bytes per 4 KiB block (1 GiB per 64 GiB of disk).
 */
export class MerkleTree {
  /** levels[0] = leaves, levels[top] = [root]; each level is n·32 bytes. */
  private readonly levels: Buffer[];
  /** Leaf indexes changed since the last `root()`. */
  private readonly dirty = new Set<number>();

  private constructor(readonly leafCount: number, leaves: Buffer) {
    this.levels = [leaves];
    let width = leafCount;
    while (width > 1) {
      width = Math.ceil(width / 2);
      this.levels.push(Buffer.alloc(width * HASH_SIZE));
    }
    for (let level = 1; level < this.levels.length; level++) {
      const w = this.width(level);
      for (let i = 0; i < w; i++) this.recompute(level, i);
    }
  }

  /** Builds the tree from leaf hashes (32 bytes each, in block order). */
  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    const leaves = Buffer.alloc(leafHashes.length * HASH_SIZE);
    leafHashes.forEach((h, i) => {
      if (h.length !== HASH_SIZE) throw new RangeError(`leaf hash ${i} is ${h.length} bytes, not ${HASH_SIZE}`);
      leaves.set(h, i * HASH_SIZE);
    });
    return new MerkleTree(leafHashes.length, leaves);
  }

  /** Builds the tree from leaf hashes stored back to back (n·32 bytes), without per-leaf objects. */
  static fromLeafHashBuffer(leafHashes: Uint8Array): MerkleTree {
    if (leafHashes.length % HASH_SIZE !== 0) throw new RangeError(`leaf hash buffer of ${leafHashes.length} bytes is not a multiple of ${HASH_SIZE}`);
    return new MerkleTree(leafHashes.length / HASH_SIZE, Buffer.from(leafHashes));
  }

  /** Hashes a whole disk of `size` bytes from chunks of any size and keeps its tree. */
  static async fromStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): Promise<MerkleTree> {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not a byte count`);
    const leaves = Buffer.alloc(Math.ceil(size / DIGEST_BLOCK_SIZE) * HASH_SIZE);
    let i = 0;
    for await (const block of diskBlocks(source, size)) leaves.set(leafHash(block), HASH_SIZE * i++);
    return new MerkleTree(i, leaves);
  }

  /** Replaces leaf `index`; the path to the root is rehashed lazily by {@link root}. */
  setLeaf(index: number, hash: Uint8Array): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.leafCount) {
      throw new RangeError(`leaf index ${index} outside 0..${this.leafCount - 1}`);
    }
    if (hash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes`);
    this.levels[0].set(hash, index * HASH_SIZE);
    this.dirty.add(index);
  }

  leaf(index: number): Buffer {
    return Buffer.from(this.node(0, index));
  }

  /** The Merkle root, after rehashing only the paths above leaves changed since last time. */
  root(): Buffer {
    if (this.leafCount === 0) return Buffer.from(EMPTY_ROOT);
    let changed = this.dirty;
    for (let level = 1; level < this.levels.length && changed.size > 0; level++) {
      const parents = new Set<number>();
      for (const i of changed) parents.add(i >> 1);
      for (const p of parents) this.recompute(level, p);
      changed = parents;
    }
    this.dirty.clear();
    return Buffer.from(this.node(this.levels.length - 1, 0));
  }

  private width(level: number): number {
    return this.levels[level].length / HASH_SIZE;
  }

  private node(level: number, i: number): Buffer {
    return this.levels[level].subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }

  private recompute(level: number, i: number): void {
    const below = this.width(level - 1);
    const left = 2 * i;
    // An odd last node has no sibling: it is promoted unchanged.
    const hash = left + 1 < below ? parentHash(this.node(level - 1, left), this.node(level - 1, left + 1)) : this.node(level - 1, left);
    this.levels[level].set(hash, i * HASH_SIZE);
  }
}
