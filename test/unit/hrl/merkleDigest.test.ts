import { createHash, randomBytes } from 'node:crypto';
import { digestOfBuffer, digestOfStream, EMPTY_ROOT, leafHash, MerkleTree, parentHash } from '../../../shared/integrity';
import { prng, randomChunks } from './hrlFixtures';

const sha = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest();
};

function leavesOf(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += 4096) out.push(leafHash(data.subarray(at, at + 4096)));
  return out;
}

describe('disk digest (Merkle root of SHA-256 over 4 KiB blocks)', () => {
  it('matches the documented definition on small shapes, odd node promoted', () => {
    const blocks = [0, 1, 2, 3, 4].map((i) => Buffer.alloc(4096, i));
    const l = blocks.map((b) => sha(b));
    expect(digestOfBuffer(Buffer.alloc(0)).equals(EMPTY_ROOT)).toBe(true);
    expect(digestOfBuffer(blocks[0]).equals(l[0])).toBe(true);
    expect(digestOfBuffer(Buffer.concat(blocks.slice(0, 2))).equals(sha(l[0], l[1]))).toBe(true);
    const three = sha(sha(l[0], l[1]), l[2]);
    expect(digestOfBuffer(Buffer.concat(blocks.slice(0, 3))).equals(three)).toBe(true);
    const five = sha(sha(sha(l[0], l[1]), sha(l[2], l[3])), l[4]);
    expect(digestOfBuffer(Buffer.concat(blocks)).equals(five)).toBe(true);
    // A short last block is hashed zero-padded: 4096+100 bytes equals 4096 + (100 bytes + zeros).
    const short = Buffer.concat([blocks[1], Buffer.alloc(100, 9)]);
    const padded = Buffer.concat([blocks[1], Buffer.alloc(100, 9), Buffer.alloc(3996)]);
    expect(digestOfBuffer(short).equals(digestOfBuffer(padded))).toBe(true);
  });

  it('gives the same root from a stream of random chunks and from the full tree, for many sizes', async () => {
    const rand = prng(21);
    for (const size of [1, 4095, 4096, 4097, 3 * 4096, 7 * 4096 + 5, 33 * 4096, 100 * 4096 + 512]) {
      const data = randomBytes(size);
      const root = digestOfBuffer(data);
      expect((await digestOfStream(randomChunks(data, rand, 9000), size)).equals(root)).toBe(true);
      expect(MerkleTree.fromLeafHashes(leavesOf(data)).root().equals(root)).toBe(true);
      expect(MerkleTree.fromLeafHashBuffer(Buffer.concat(leavesOf(data))).root().equals(root)).toBe(true);
      expect((await MerkleTree.fromStream(randomChunks(data, rand, 5000), size)).root().equals(root)).toBe(true);
    }
  });

  it('rejects a stream shorter or longer than the declared size', async () => {
    await expect(digestOfStream([Buffer.alloc(100)], 101)).rejects.toThrow(RangeError);
    await expect(digestOfStream([Buffer.alloc(100)], 99)).rejects.toThrow(RangeError);
    await expect(MerkleTree.fromStream([Buffer.alloc(100)], 4096)).rejects.toThrow(RangeError);
  });

  it('incremental update of 1% of leaves equals a full recomputation, and touches only their paths', () => {
    const rand = prng(22);
    const n = 3001; // odd, so promotion happens at several levels
    const data = randomBytes(n * 4096);
    const tree = MerkleTree.fromLeafHashes(leavesOf(data));
    expect(tree.root().equals(digestOfBuffer(data))).toBe(true);
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < n / 100; k++) {
        const i = Math.floor(rand() * n);
        const block = randomBytes(4096);
        block.copy(data, i * 4096);
        tree.setLeaf(i, leafHash(block));
      }
      tree.setLeaf(n - 1, leafHash(Buffer.alloc(4096))); // the promoted last leaf too
      Buffer.alloc(4096).copy(data, (n - 1) * 4096);
      expect(tree.root().equals(digestOfBuffer(data))).toBe(true);
    }
    expect(tree.leaf(n - 1).equals(leafHash(Buffer.alloc(4096)))).toBe(true);
    expect(() => tree.setLeaf(n, leafHash(Buffer.alloc(1)))).toThrow(RangeError);
  });

  it('changes when any single block changes', () => {
    const data = randomBytes(9 * 4096);
    const before = digestOfBuffer(data);
    data[5 * 4096 + 17] ^= 1;
    expect(digestOfBuffer(data).equals(before)).toBe(false);
    expect(parentHash(Buffer.alloc(32), Buffer.alloc(32, 1)).equals(parentHash(Buffer.alloc(32, 1), Buffer.alloc(32)))).toBe(false);
  });
});
