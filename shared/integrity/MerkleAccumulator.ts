import { EMPTY_ROOT, HASH_SIZE, parentHash } from './merkleHash';

/**
 * Folds leaf hashes, in order, into the Merkle root without keeping the leaves: a stack of at
 * most log2(n) perfect subtree roots, merged like a binary counter. At the end the stack is
 * folded right to left, which yields the same tree as level-by-level pairing where an odd last
 * node is promoted unchanged (see docs/hrl-format.md, "Disk digest").
 */
export class MerkleAccumulator {
  private readonly stack: { height: number; hash: Buffer }[] = [];
  private count = 0;

  /** Number of leaves added so far. */
  get leafCount(): number {
    return this.count;
  }

  addLeaf(hash: Uint8Array): void {
    if (hash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes`);
    let node: { height: number; hash: Buffer } = { height: 0, hash: Buffer.from(hash) };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].height === node.height) {
      const left = this.stack.pop()!;
      node = { height: node.height + 1, hash: parentHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }

  /** The root over the leaves added so far (does not consume the accumulator). */
  root(): Buffer {
    if (this.stack.length === 0) return Buffer.from(EMPTY_ROOT);
    let acc = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = parentHash(this.stack[i].hash, acc);
    return Buffer.from(acc);
  }
}
