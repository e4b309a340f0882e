import { randomBytes } from 'node:crypto';
import { toArmErrorResponse } from '../../../shared/arm/armErrorCatalogue';
import { assertKeyFits, keyFingerprint } from '../../../shared/crypto';
import { toJobError } from '../../../shared/recovery/plan/toJobError';

/**
 * Issue 11: the key check existed four times with three codes (the API's InvalidRequestBody, the
 * prerequisites' EncryptionKeyMismatch, the fabric's InvalidFabricRequest, the merge engine's
 * InvalidReplicationRequest). One function now answers for all of them: what the API says about
 * a wrong key is what a job says, wherever the key is refused.
 */
describe('assertKeyFits: the one key check', () => {
  const key = randomBytes(64);
  const fingerprint = keyFingerprint(key);
  const refusal = (run: () => void) => {
    try {
      run();
    } catch (err) {
      return err;
    }
    throw new Error('the key was accepted');
  };

  it('a wrong key is a 400 InvalidRequestBody naming the key field at the API, and the same code with advice in a job', () => {
    const err = refusal(() => assertKeyFits({ name: 'enc', fingerprint, keyRequired: true }, randomBytes(64)));
    const api = toArmErrorResponse(err);
    expect(api.status).toBe(400);
    expect(api.body).toEqual({ error: { code: 'InvalidRequestBody', message: expect.stringContaining("not the key of 'enc'"), target: 'properties.providerSpecificDetails.primaryKekCertificatePfx' } });
    expect(toJobError(err)).toMatchObject({ code: 'InvalidRequestBody', possibleCauses: expect.stringContaining('another vault or item'), recommendedAction: expect.stringContaining('fingerprint') });
    expect((err as Error).message).not.toContain(key.toString('hex').slice(0, 16));
  });

  it('a missing key for an encrypted item is EncryptionKeyRequired unless a copy of the ciphertext is wanted; a key for a plain item is refused', () => {
    expect(refusal(() => assertKeyFits({ name: 'enc', fingerprint, keyRequired: true }, undefined))).toMatchObject({ code: 'EncryptionKeyRequired' });
    expect(refusal(() => assertKeyFits({ name: 'enc', fingerprint: undefined, encrypted: true, keyRequired: true }, undefined))).toMatchObject({ code: 'EncryptionKeyRequired' });
    expect(() => assertKeyFits({ name: 'enc', fingerprint, keyRequired: false }, undefined)).not.toThrow();
    expect(refusal(() => assertKeyFits({ name: 'plain', fingerprint: null, keyRequired: false }, key))).toMatchObject({ code: 'InvalidRequestBody', message: expect.stringContaining('not encrypted') });
    expect(() => assertKeyFits({ name: 'plain', fingerprint: null, keyRequired: true }, undefined)).not.toThrow();
    expect(() => assertKeyFits({ name: 'unknown', fingerprint: undefined, keyRequired: false }, key)).not.toThrow();
    expect(() => assertKeyFits({ name: 'enc', fingerprint, keyRequired: true }, key)).not.toThrow();
  });
});
