import { decryptDataUnits } from '../crypto/xtsDataUnits';
import { keyFingerprint } from '../crypto/keyFingerprint';
import { HrlHeader } from './HrlHeader';
import { HrlIdentityMismatchError } from './HrlIdentityMismatchError';
import { HrlHeaderField } from './HrlHeaderToken';
import { HrlRecord } from './HrlRecord';

/**
 * Turns a log's records back into plaintext. Only materialising a disk at failover needs this;
 * merging works on ciphertext. The key is checked against the header's fingerprint once, up
 * front: decrypting with a wrong key would silently produce garbage. Plain logs pass through.
 */
export class HrlRecordDecryptor {
  constructor(private readonly header: HrlHeader, private readonly key?: Uint8Array) {
    if (header.encryption === 'none') return;
    const actual = key === undefined ? 'no key' : keyFingerprint(key);
    if (actual !== header.keyFingerprint) {
      throw new HrlIdentityMismatchError({
        structure: 'HRL header', field: 'keyFingerprint', offset: HrlHeaderField.keyFingerprint,
        expected: header.keyFingerprint, actual,
      });
    }
  }

  /** The plaintext of `record` (a new Buffer), or its payload itself when the log is plain. */
  decrypt(record: HrlRecord): Buffer {
    if (this.header.encryption === 'none') return record.payload;
    return decryptDataUnits(this.key!, record.payload, record.offset);
  }
}
