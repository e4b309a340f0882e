import { createHash, createHmac } from 'node:crypto';
import { assertXtsKey } from '../crypto/assertXtsKey';

/** Domain label: the digest key can never collide with the key fingerprint or any other MAC made with the customer key. */
const DIGEST_KEY_LABEL = 'site-recovery-functions/failback/block-digest/v1';

/** Bytes one failback digest covers (the replication block, the XTS data unit). */
export const FAILBACK_DIGEST_BLOCK = 4096;

/**
 * How a failback compares a source block with a recovered one (docs/failback.md): SHA-256 of the
 * 4 KiB block for a plain item; for an encrypted item HMAC-SHA256(digestKey, blockIndex as
 * uint64 LE ‖ block) with digestKey = HMAC-SHA256(customerKey, label). Keyed and positional, so
 * digests in storage tell nothing about the plaintext (not even which blocks are equal or zero)
 * without the key. Both sides build the same digester: the agent from its key file, the service
 * from the key supplied to the operation.
 */
export class FailbackDigester {
  private readonly digestKey?: Buffer;
  private zeroDigest?: Buffer;

  constructor(key?: Uint8Array) {
    if (key) {
      assertXtsKey(key);
      this.digestKey = createHmac('sha256', key).update(DIGEST_KEY_LABEL).digest();
    }
  }

  get keyed(): boolean {
    return this.digestKey !== undefined;
  }

  /** The digest of block `index` holding `block` (exactly 4096 bytes; pad the disk's last block with zeros). */
  digest(index: number, block: Uint8Array): Buffer {
    if (!this.digestKey) return createHash('sha256').update(block).digest();
    const at = Buffer.alloc(8);
    at.writeBigUInt64LE(BigInt(index));
    return createHmac('sha256', this.digestKey).update(at).update(block).digest();
  }

  /** The digest of an all-zero block `index` (plain items: one constant, computed once). */
  zero(index: number): Buffer {
    if (this.digestKey) return this.digest(index, ZERO_BLOCK);
    this.zeroDigest ??= this.digest(index, ZERO_BLOCK);
    return this.zeroDigest;
  }

  /** Writes the digests of the whole blocks in `data` (starting at block `firstIndex`) into `out` (32 bytes each). */
  digestRun(firstIndex: number, data: Uint8Array, out: Buffer): void {
    for (let i = 0; i * FAILBACK_DIGEST_BLOCK < data.length; i++) {
      const block = data.subarray(i * FAILBACK_DIGEST_BLOCK, (i + 1) * FAILBACK_DIGEST_BLOCK);
      const full = block.length === FAILBACK_DIGEST_BLOCK ? block : Buffer.concat([block, Buffer.alloc(FAILBACK_DIGEST_BLOCK - block.length)]);
      this.digest(firstIndex + i, full).copy(out, (firstIndex + i) * 32);
    }
  }
}

const ZERO_BLOCK = Buffer.alloc(FAILBACK_DIGEST_BLOCK);
