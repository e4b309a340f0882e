import { createDecipheriv, randomBytes } from 'node:crypto';
import { decryptDataUnits, encryptDataUnits, keyFingerprint, xtsTweak } from '../../../shared/crypto';

describe('AES-256-XTS data units (plain64)', () => {
  const key = randomBytes(64);

  it('round-trips a buffer at a unit-aligned disk offset and hides a repeating pattern', () => {
    const plain = Buffer.alloc(16 * 4096, 'ABCDEFGH');
    const cipher = encryptDataUnits(key, plain, 40960);
    expect(cipher.length).toBe(plain.length);
    expect(cipher.includes(Buffer.from('ABCDEFGHABCDEFGH'))).toBe(false);
    expect(decryptDataUnits(key, cipher, 40960).equals(plain)).toBe(true);
    // Wrong offset = wrong tweaks: garbage, not the plaintext.
    expect(decryptDataUnits(key, cipher, 0).equals(plain)).toBe(false);
  });

  it('uses tweak = unit index, 16 bytes little-endian, one cipher call per unit', () => {
    expect(xtsTweak(0x0102).toString('hex')).toBe('0201' + '00'.repeat(14));
    const plain = randomBytes(3 * 4096);
    const cipher = encryptDataUnits(key, plain, 5 * 4096);
    // Unit 6 decrypted alone with Node's cipher and the plain64 tweak gives back its plaintext.
    const d = createDecipheriv('aes-256-xts', key, xtsTweak(6));
    const unit = Buffer.concat([d.update(cipher.subarray(4096, 8192)), d.final()]);
    expect(unit.equals(plain.subarray(4096, 8192))).toBe(true);
  });

  it('refuses bad keys and unaligned input clearly', () => {
    expect(() => encryptDataUnits(randomBytes(32), Buffer.alloc(4096), 0)).toThrow(expect.objectContaining({ code: 'InvalidEncryptionKey' }));
    const same = Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(32, 1)]);
    expect(() => encryptDataUnits(same, Buffer.alloc(4096), 0)).toThrow(/halves of the key are identical/);
    expect(() => keyFingerprint(same)).toThrow(expect.objectContaining({ code: 'InvalidEncryptionKey' }));
    expect(() => encryptDataUnits(key, Buffer.alloc(4096), 512)).toThrow(RangeError);
    expect(() => encryptDataUnits(key, Buffer.alloc(1000), 0)).toThrow(RangeError);
  });

  it('fingerprints keys stably, distinctly, without revealing them', () => {
    const fp = keyFingerprint(key);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(keyFingerprint(Buffer.from(key))).toBe(fp);
    expect(keyFingerprint(randomBytes(64))).not.toBe(fp);
    expect(fp).not.toContain(key.toString('hex').slice(0, 16));
  });
});
