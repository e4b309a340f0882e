import { createHmac } from 'node:crypto';
import { assertXtsKey } from './assertXtsKey';

/** Domain label so the fingerprint cannot be confused with any other MAC made with the key. */
const FINGERPRINT_LABEL = 'site-recovery-functions/hrl/key-fingerprint/v1';

/**
 * A stable, non-secret identifier of an XTS key: HMAC-SHA256(key, label), 64 hex characters.
 * The vault and every encrypted log carry this, never the key; a reader uses it to tell a wrong
 * key from a damaged log.
 */
export function keyFingerprint(key: Uint8Array): string {
  assertXtsKey(key);
  return createHmac('sha256', key).update(FINGERPRINT_LABEL).digest('hex');
}
