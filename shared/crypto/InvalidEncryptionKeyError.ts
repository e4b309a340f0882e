import { ServiceError } from '../errors';

/** The key handed to the XTS cipher cannot be used; the message says why. Not retryable. */
export class InvalidEncryptionKeyError extends ServiceError {
  constructor(reason: string) {
    super(
      'InvalidEncryptionKey',
      `${reason}. Supply a 64-byte AES-256-XTS key whose two 32-byte halves differ ` +
        '(e.g. crypto.randomBytes(64)).',
    );
  }
}
