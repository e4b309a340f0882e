import { assertXtsKey, XTS_KEY_LENGTH } from './assertXtsKey';
import { ServiceError } from '../errors';

/** How to make a key file every reader accepts (quoted in every refusal). */
export const KEY_FILE_HINT = `a ${XTS_KEY_LENGTH}-byte AES-256-XTS key: ${XTS_KEY_LENGTH} raw bytes, ${XTS_KEY_LENGTH * 2} hex digits ` +
  `('openssl rand -hex ${XTS_KEY_LENGTH} > key') or base64 ('openssl rand -base64 ${XTS_KEY_LENGTH} > key')`;

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}$/;

/**
 * The one reading of a key file's bytes, shared by the agent (`--encryption-key-file`) and the
 * CLI (`--key-file` of failover and export): 64 raw bytes, hex (what `openssl rand -hex 64`
 * writes, newline included) or base64 (`openssl rand -base64 64`, wrapped lines allowed).
 * Text is tried first: 64 bytes that are all hex digits are a 32-byte key in hex, too short,
 * and are refused rather than taken as a raw key of ASCII digits. `source` names the file.
 */
export function parseEncryptionKey(bytes: Buffer, source: string): Buffer {
  const text = bytes.toString('latin1').trim();
  let key: Buffer | undefined;
  let decoded: string | undefined;
  if (text.length > 0 && HEX.test(text)) {
    if (text.length % 2 === 0) key = Buffer.from(text, 'hex');
    decoded = `${text.length} hex digits${text.length % 2 === 0 ? ` (${text.length / 2} bytes)` : ''}`;
  } else if (bytes.length === XTS_KEY_LENGTH) {
    key = bytes;
  } else if (text.length > 0 && BASE64.test(text)) {
    key = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    decoded = `base64 of ${key.length} bytes`;
  }
  if (!key || key.length !== XTS_KEY_LENGTH) {
    const found = decoded ?? `${bytes.length} bytes that are neither hex nor base64`;
    throw new ServiceError('InvalidEncryptionKey', `${source} holds ${found}; it must hold ${KEY_FILE_HINT}`);
  }
  assertXtsKey(key);
  return key;
}
