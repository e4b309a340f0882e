/** Remembers redeemed callback tokens so each is accepted once. */
export interface UsedTokenLedger {
  /**
   * Records `tokenId` as used, atomically (a conditional create). True if this call recorded it,
   * false if it was already recorded.
   */
  markUsed(tokenId: string, info: { expiresAt: number; job: string; task: string }): Promise<boolean>;
}
