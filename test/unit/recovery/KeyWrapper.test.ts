import { randomBytes } from 'node:crypto';
import { KeyWrapper } from '../../../shared/recovery/jobs/KeyWrapper';
import { tempDir } from '../../support/tempDir';

describe('KeyWrapper', () => {
  const key = randomBytes(64);

  it('seals a key so the sealed text does not contain it, and opens it for the same job only', () => {
    const w = new KeyWrapper(randomBytes(32));
    const sealed = w.wrap(key, 'job-1');
    expect(Buffer.from(sealed, 'base64url').includes(key.subarray(0, 16))).toBe(false);
    expect(sealed).not.toContain(key.toString('base64').slice(0, 16));
    expect(w.unwrap(sealed, 'job-1').equals(key)).toBe(true);
    expect(() => w.unwrap(sealed, 'job-2')).toThrow(expect.objectContaining({ code: 'KeyUnavailable' }));
    expect(() => new KeyWrapper(randomBytes(32)).unwrap(sealed, 'job-1')).toThrow(expect.objectContaining({ code: 'KeyUnavailable' }));
  });

  it('locally, keeps one secret in the data directory shared by every process', () => {
    const dir = tempDir('keywrap-');
    try {
      const a = KeyWrapper.fromEnv({ ASR_AUTH_MODE: 'local', ASR_DATA_DIR: dir.path });
      const b = KeyWrapper.fromEnv({ ASR_AUTH_MODE: 'local', ASR_DATA_DIR: dir.path });
      expect(b.unwrap(a.wrap(key, 'j'), 'j').equals(key)).toBe(true);
      expect(() => KeyWrapper.fromEnv({ RECOVERY_KEY_WRAP_SECRET: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
    } finally {
      dir.cleanup();
    }
  });

  it('outside local mode, refuses to invent a per-instance secret', () => {
    expect(() => KeyWrapper.fromEnv({ ASR_AUTH_MODE: 'entra' })).toThrow(expect.objectContaining({ code: 'InvalidConfiguration', message: expect.stringMatching(/RECOVERY_KEY_WRAP_SECRET.*shared by every instance/) }));
  });
});
