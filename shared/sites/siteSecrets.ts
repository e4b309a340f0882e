import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new id for a registration key or a site: 16 random bytes, hex. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * What the service stores instead of a secret: SHA-256, hex. The secrets are 256 random bits,
 * so a fast hash is enough (a slow password hash guards guessable secrets, not these).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `storedHash`, in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
