import { createHash } from 'node:crypto';
import { DATA_UNIT_SIZE } from '../crypto';
import { MerkleTree } from '../integrity';
import { FINGERPRINT_SIZE, ZERO_BLOCK_FINGERPRINT } from './blockFingerprint';

const HASH = 32;
/** SHA-256 of a 4 KiB block of zeros: the leaf of every block the replica has never been sent. */
export const ZERO_BLOCK_LEAF: Buffer = createHash('sha256').update(Buffer.alloc(DATA_UNIT_SIZE)).digest();

/**
 * What the agent knows about one disk, per 4 KiB block, as of the last shipped cut:
 * the fingerprint of the source block it shipped (change detection) and the SHA-256 leaf of
 * what the replica stores there (ciphertext when encrypted), whose Merkle tree gives the
 * digest each log carries. A block never shipped is zero on the replica: zero fingerprint and
 * zero leaf.
 */
export class DiskBlockTable {
  private tree?: MerkleTree;
  readonly fingerprints: Buffer;
  /** The fingerprints as 32-bit words (CRC-32C, CRC-32 per block), sharing the bytes: compared without allocating. */
  readonly fingerprintWords: Uint32Array;
  readonly zeroFingerprintWords = new Uint32Array([ZERO_BLOCK_FINGERPRINT.readUInt32LE(0), ZERO_BLOCK_FINGERPRINT.readUInt32LE(4)]);

  constructor(readonly blockCount: number, fingerprints: Buffer, readonly leaves: Buffer) {
    if (fingerprints.length !== blockCount * FINGERPRINT_SIZE) throw new RangeError(`fingerprint table of ${fingerprints.length} bytes for ${blockCount} blocks`);
    if (leaves.length !== blockCount * HASH) throw new RangeError(`leaf table of ${leaves.length} bytes for ${blockCount} blocks`);
    if (new Uint16Array([1])[0] !== new Uint8Array(new Uint16Array([1]).buffer)[0]) throw new Error('the agent runs on little-endian machines only');
    // A word view needs 4-byte alignment; a pooled or sliced Buffer may not have it.
    this.fingerprints = fingerprints.byteOffset % 4 === 0 ? fingerprints : Buffer.from(fingerprints);
    this.fingerprintWords = new Uint32Array(this.fingerprints.buffer, this.fingerprints.byteOffset, blockCount * 2);
  }

  /** A disk the replica holds nothing of yet (every block zero). */
  static empty(virtualSize: number): DiskBlockTable {
    const n = Math.ceil(virtualSize / DATA_UNIT_SIZE);
    const fp = Buffer.alloc(n * FINGERPRINT_SIZE);
    const leaves = Buffer.alloc(n * HASH);
    for (let i = 0; i < n; i++) {
      ZERO_BLOCK_FINGERPRINT.copy(fp, i * FINGERPRINT_SIZE);
      ZERO_BLOCK_LEAF.copy(leaves, i * HASH);
    }
    return new DiskBlockTable(n, fp, leaves);
  }

  /** Records that `block` now stores `leaf` and came from a source block with `fingerprint`. */
  record(block: number, fingerprint: Buffer, fingerprintAt: number, leaf: Uint8Array): void {
    fingerprint.copy(this.fingerprints, block * FINGERPRINT_SIZE, fingerprintAt, fingerprintAt + FINGERPRINT_SIZE);
    this.leaves.set(leaf, block * HASH);
    this.tree?.setLeaf(block, leaf);
  }

  /**
   * Records that the replica stores `leaf` at `block` (a repair learnt it from the service's
   * digests), leaving the fingerprint alone: the block is shipped in the same repair, which
   * records both again. Makes the roots of the repair's logs describe the replica as it is.
   */
  setLeaf(block: number, leaf: Uint8Array): void {
    this.leaves.set(leaf, block * HASH);
    this.tree?.setLeaf(block, leaf);
  }

  /** Merkle root of the replica as this table describes it; the tree is built once, then updated along changed paths. */
  root(): Buffer {
    this.tree ??= MerkleTree.fromLeafHashBuffer(this.leaves);
    return this.tree.root();
  }

}
