/**
 * What the caller knows about the log it is about to apply. Every field given must match the
 * header exactly, else {@link HrlIdentityMismatchError}.
 */
export interface HrlExpectation {
  vaultId?: string;
  protectedItemId?: string;
  diskId?: string;
  epoch?: bigint;
  virtualSize?: number;
  /** The sequence number the caller will apply next (last applied + 1). */
  sequence?: bigint;
  /** Hex key fingerprint the vault holds; `null` means the log must be plain. */
  keyFingerprint?: string | null;
}
