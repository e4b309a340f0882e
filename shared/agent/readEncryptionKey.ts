import { readFile } from 'node:fs/promises';
import { keyFingerprint, KEY_FILE_HINT, parseEncryptionKey } from '../crypto';
import { ServiceError } from '../errors';

/**
 * Reads the customer's AES-256-XTS key file (raw, hex or base64: see `parseEncryptionKey`).
 * Every command that takes a key file reads it here. The key stays in memory; only its
 * fingerprint is stored, or the key itself is sent once with a failover or export request.
 */
export async function readEncryptionKey(path: string): Promise<{ key: Buffer; fingerprint: string }> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new ServiceError('InvalidEncryptionKey', `cannot read the key file ${path} (${(err as Error).message}); it must hold ${KEY_FILE_HINT}`, { cause: err });
  }
  const key = parseEncryptionKey(raw, `the key file ${path}`);
  return { key, fingerprint: keyFingerprint(key) };
}
