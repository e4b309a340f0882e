import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 (hex) of a rule's secret: what the rule stores instead of the secret. */
export function hashRuleSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** What GET shows of a secret: its last four characters. */
export function ruleSecretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * Whether `presented` is the rule's secret. Digests of equal length are compared in constant
 * time, so the time taken says nothing about how much of a guess was right.
 */
export function ruleSecretMatches(presented: string | undefined, storedHash: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(hashRuleSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
