import { createHash } from 'node:crypto';

/**
 * The content checksum of a replica log: SHA-256 of its blob bytes exactly as uploaded (the
 * agent's outbox file, the merge's download), base64url without padding (43 characters, fit
 * for blob metadata). Two logs of one sequence are the same log iff their checksums match.
 */
export function logChecksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/**
 * Blob metadata keys the agent stamps on each log it uploads: the protection id it was issued
 * when protection was enabled, and its own checksum of the log (so it can recognise its log in
 * quarantine). The merge never trusts `logsha256`; it hashes the bytes it read.
 */
export const LOG_METADATA = {
  protectionId: 'protectionid',
  sha256: 'logsha256',
} as const;
