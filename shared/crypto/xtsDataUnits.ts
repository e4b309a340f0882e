import { createCipheriv, createDecipheriv } from 'node:crypto';
import { assertXtsKey } from './assertXtsKey';
import { DATA_UNIT_SIZE } from './dataUnit';
import { InvalidEncryptionKeyError } from './InvalidEncryptionKeyError';

/**
 * The XTS tweak of a data unit, dm-crypt `plain64` style: the unit index (byte offset / 4096)
 * as a 16-byte little-endian integer.
 */
export function xtsTweak(unitIndex: number): Buffer {
  const tweak = Buffer.alloc(16);
  tweak.writeBigUInt64LE(BigInt(unitIndex), 0);
  return tweak;
}

function transform(
  decrypt: boolean,
  key: Uint8Array,
  data: Uint8Array,
  byteOffset: number,
): Buffer {
  assertXtsKey(key);
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % DATA_UNIT_SIZE !== 0) {
    throw new RangeError(`byteOffset ${byteOffset} is not a non-negative multiple of ${DATA_UNIT_SIZE}`);
  }
  if (data.length % DATA_UNIT_SIZE !== 0) {
    throw new RangeError(`data length ${data.length} is not a multiple of ${DATA_UNIT_SIZE}`);
  }
  const out = Buffer.allocUnsafe(data.length);
  const firstUnit = byteOffset / DATA_UNIT_SIZE;
  // One cipher per unit: an XTS cipher call covers exactly one tweak.
  for (let at = 0; at < data.length; at += DATA_UNIT_SIZE) {
    const tweak = xtsTweak(firstUnit + at / DATA_UNIT_SIZE);
    const cipher = decrypt
      ? createDecipheriv('aes-256-xts', key, tweak)
      : createCipheriv('aes-256-xts', key, tweak);
    let written: number;
    try {
      written = cipher.update(data.subarray(at, at + DATA_UNIT_SIZE)).copy(out, at);
      cipher.final();
    } catch (cause) {
      throw new InvalidEncryptionKeyError(`OpenSSL refused the key (${String(cause)})`);
    }
    if (written !== DATA_UNIT_SIZE) throw new Error(`XTS produced ${written} bytes for one unit`);
  }
  return out;
}

/**
 * Encrypts whole 4 KiB data units with AES-256-XTS. `byteOffset` is where `plaintext` starts on
 * the disk (a multiple of 4096); it fixes each unit's tweak. Returns a new Buffer.
 */
export function encryptDataUnits(key: Uint8Array, plaintext: Uint8Array, byteOffset: number): Buffer {
  return transform(false, key, plaintext, byteOffset);
}

/** Inverse of {@link encryptDataUnits}: same key, same disk offset. Returns a new Buffer. */
export function decryptDataUnits(key: Uint8Array, ciphertext: Uint8Array, byteOffset: number): Buffer {
  return transform(true, key, ciphertext, byteOffset);
}
