import { decryptDataUnits } from '../crypto/xtsDataUnits';
import { keyFingerprint } from '../crypto/keyFingerprint';
import { HrlHeader } from './HrlHeader';
import { HrlIdentityMismatchError } from './HrlIdentityMismatchError';
import { HrlHeaderField } from './HrlHeaderToken';
import { HrlRecord } from './HrlRecord';

/**
 * The plaintext of a record. Only materialising a disk at failover needs this; merging works on
 * ciphertext. A key whose fingerprint differs from the header's is refused (decrypting with it
 * would silently produce garbage). Plain logs return the payload itself.
 */
export function decryptHrlRecord(header: HrlHeader, record: HrlRecord, key?: Uint8Array): Buffer {
  if (header.encryption === 'none') return record.payload;
  const actual = key === undefined ? 'no key' : keyFingerprint(key);
  if (actual !== header.keyFingerprint) {
    throw new HrlIdentityMismatchError({
      structure: 'HRL header', field: 'keyFingerprint', offset: HrlHeaderField.keyFingerprint,
      expected: header.keyFingerprint, actual,
    });
  }
  return decryptDataUnits(key!, record.payload, record.offset);
}
