import { ServiceError } from '../errors';
import { keyFingerprint } from './keyFingerprint';

/** What the key of an item must be, as the caller knows it. */
export interface KeyExpectation {
  /** Who the key is for, in messages: an item name, or a disk (`vault/item/disk`). */
  name: string;
  /**
   * The fingerprint of the item's key: a string = encrypted with that key; `null` = known to be
   * plaintext (a key is refused); undefined = not known here (only `encrypted` says).
   */
  fingerprint: string | null | undefined;
  /** The item replicates encrypted even if no fingerprint is known (its policy says so). */
  encrypted?: boolean;
  /** A missing key is an error (false: a copy of the ciphertext, or a check of a key that was given). */
  keyRequired: boolean;
}

/** A key refused by {@link assertKeyFits}; carries the advice a job error shows. */
export class KeyRefusedError extends ServiceError {
  readonly possibleCauses: string;
  readonly recommendedAction: string;
  constructor(code: string, message: string, advice: { possibleCauses: string; recommendedAction: string; target?: string }) {
    super(code, message, advice.target ? { details: { target: advice.target } } : {});
    this.possibleCauses = advice.possibleCauses;
    this.recommendedAction = advice.recommendedAction;
  }
}

/** The request field the key arrives in; a refused key names it, as the API's other 400s do. */
const KEY_FIELD = 'providerSpecificDetails.primaryKekCertificatePfx';

/**
 * The one check of an item's key against what the item replicates with, wherever a key arrives
 * (the failover request, the prerequisites step, materialisation): a wrong key, or a key for a
 * plaintext item, is `InvalidRequestBody` (400 at the API, naming the key field); a missing key
 * for an encrypted item is `EncryptionKeyRequired`. The key itself is never in a message.
 */
export function assertKeyFits(expected: KeyExpectation, key: Uint8Array | undefined): void {
  const encrypted = expected.encrypted === true || typeof expected.fingerprint === 'string';
  if (!key) {
    if (encrypted && expected.keyRequired) {
      throw new KeyRefusedError('EncryptionKeyRequired', `${expected.name} replicates encrypted and no key was supplied`, {
        possibleCauses: 'The failover request carried no key.', recommendedAction: 'Run the operation again with the item\'s key (--key-file).',
      });
    }
    return;
  }
  if (expected.fingerprint === null) {
    throw new KeyRefusedError('InvalidRequestBody', `${KEY_FIELD}: '${expected.name}' is not encrypted; fail over without a key`, {
      possibleCauses: 'A key was supplied for an item that replicates in plaintext.', recommendedAction: 'Run the operation again without a key.', target: `properties.${KEY_FIELD}`,
    });
  }
  if (typeof expected.fingerprint !== 'string') return;
  const given = keyFingerprint(key);
  if (given !== expected.fingerprint) {
    throw new KeyRefusedError('InvalidRequestBody', `${KEY_FIELD}: the key is not the key of '${expected.name}' (fingerprint ${given.slice(0, 12)}…, the item's is ${expected.fingerprint.slice(0, 12)}…)`, {
      possibleCauses: 'A key of another vault or item, or an old key, was supplied.', recommendedAction: 'Supply the key whose fingerprint the protected item shows.', target: `properties.${KEY_FIELD}`,
    });
  }
}
