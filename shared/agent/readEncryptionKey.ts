import { readFile } from 'node:fs/promises';
import { assertXtsKey, keyFingerprint } from '../crypto';
import { ServiceError } from '../errors';

/**
 * Reads the customer's AES-256-XTS key: a file of exactly 64 raw bytes, or 128 hex digits
 * (surrounding whitespace allowed). The key stays in memory; only its fingerprint is sent or stored.
 */
export async function readEncryptionKey(path: string): Promise<{ key: Buffer; fingerprint: string }> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new ServiceError('InvalidEncryptionKey', `cannot read the key file ${path} (${(err as Error).message})`, { cause: err });
  }
  const text = raw.toString('latin1').trim();
  const key = raw.length === 64 ? raw : /^[0-9a-fA-F]{128}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  if (!key) throw new ServiceError('InvalidEncryptionKey', `${path} must hold a 64-byte AES-256-XTS key: 64 raw bytes or 128 hex digits (e.g. 'openssl rand -hex 64 > ${path}')`);
  assertXtsKey(key);
  return { key, fingerprint: keyFingerprint(key) };
}
