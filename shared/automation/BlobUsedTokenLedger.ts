import type { ContainerClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';
import { UsedTokenLedger } from './UsedTokenLedger';

/** Container of redeemed callback tokens (one empty blob per token id). */
export const USED_TOKEN_CONTAINER = 'automation-used-tokens';

/**
 * A {@link UsedTokenLedger} in blob storage: redeeming creates `{tokenId}` with
 * `If-None-Match: *`, so of two concurrent callbacks exactly one wins. Old entries can be removed
 * by a lifecycle rule once past `expiresat` (kept in metadata): an expired token fails anyway.
 */
export class BlobUsedTokenLedger implements UsedTokenLedger {
  private ready?: Promise<unknown>;

  constructor(private readonly container: ContainerClient) {}

  async markUsed(tokenId: string, info: { expiresAt: number; job: string; task: string }): Promise<boolean> {
    this.ready ??= this.container.createIfNotExists();
    await this.ready;
    try {
      await this.container.getBlockBlobClient(tokenId).upload('', 0, {
        conditions: { ifNoneMatch: '*' },
        metadata: { expiresat: String(info.expiresAt), job: info.job, task: info.task },
      });
      return true;
    } catch (e) {
      if (e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412)) return false;
      throw e;
    }
  }
}
