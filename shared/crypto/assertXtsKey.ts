import { InvalidEncryptionKeyError } from './InvalidEncryptionKeyError';

/** Length of an AES-256-XTS key: two AES-256 keys, one for data and one for the tweak. */
export const XTS_KEY_LENGTH = 64;

/**
 * Refuses a key Node's `aes-256-xts` would reject or that would weaken XTS. OpenSSL 3 (Node 20)
 * rejects a key whose two halves are equal only on encrypt and with an opaque message, so we
 * check first and say what is wrong.
 */
export function assertXtsKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new InvalidEncryptionKeyError('The key is not a Buffer');
  if (key.length !== XTS_KEY_LENGTH) {
    throw new InvalidEncryptionKeyError(`The key is ${key.length} bytes, not ${XTS_KEY_LENGTH}`);
  }
  const half = XTS_KEY_LENGTH / 2;
  if (Buffer.compare(key.subarray(0, half), key.subarray(half)) === 0) {
    throw new InvalidEncryptionKeyError('The two halves of the key are identical');
  }
}
