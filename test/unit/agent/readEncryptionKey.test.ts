import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint } from '../../../shared/crypto';
import { readEncryptionKey } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';

describe('readEncryptionKey', () => {
  const dir = tempDir('agent-key-');
  afterAll(() => dir.cleanup());
  const file = (name: string, content: Buffer | string) => {
    const p = join(dir.path, name);
    writeFileSync(p, content);
    return p;
  };

  it('reads 64 raw bytes or 128 hex digits and gives the HRL key fingerprint', async () => {
    const key = randomBytes(64);
    const raw = await readEncryptionKey(file('raw.key', key));
    const hex = await readEncryptionKey(file('hex.key', `${key.toString('hex')}\n`));
    expect(raw.key.equals(key)).toBe(true);
    expect(hex.key.equals(key)).toBe(true);
    expect(hex.fingerprint).toBe(keyFingerprint(key));
  });

  it('refuses a short key, equal halves, and a missing file, saying what to do', async () => {
    await expect(readEncryptionKey(file('short.key', randomBytes(32)))).rejects.toMatchObject({ code: 'InvalidEncryptionKey', message: expect.stringContaining('openssl rand -hex 64') });
    const half = randomBytes(32);
    await expect(readEncryptionKey(file('same.key', Buffer.concat([half, half])))).rejects.toMatchObject({ code: 'InvalidEncryptionKey' });
    await expect(readEncryptionKey(join(dir.path, 'absent.key'))).rejects.toMatchObject({ code: 'InvalidEncryptionKey' });
  });

  it('reads base64 (wrapped as openssl writes it) and never takes 64 hex digits as a raw 64-byte key', async () => {
    const key = randomBytes(64);
    const b64 = key.toString('base64');
    expect((await readEncryptionKey(file('wrapped.b64', `${b64.slice(0, 64)}\n${b64.slice(64)}\n`))).key.equals(key)).toBe(true);
    // `openssl rand -hex 32` without its newline is exactly 64 bytes: a 32-byte key, too short.
    await expect(readEncryptionKey(file('hex32.key', randomBytes(32).toString('hex')))).rejects.toMatchObject({
      code: 'InvalidEncryptionKey', message: expect.stringContaining('holds 64 hex digits (32 bytes)'),
    });
  });
});
