import { createHash } from 'node:crypto';

const VAULT_MARKER = '/providers/microsoft.recoveryservices/vaults/';

/** The vault's ARM id from the ARM id of anything under it (in the creator's spelling). */
export function vaultArmIdOf(armId: string): string {
  const at = armId.toLowerCase().indexOf(VAULT_MARKER);
  if (at < 0) throw new Error(`'${armId}' is not under a Recovery Services vault`);
  const nameStart = at + VAULT_MARKER.length;
  const end = armId.indexOf('/', nameStart);
  return end < 0 ? armId : armId.slice(0, end);
}

/** The fabric's ARM id from an item's ARM id, or undefined when it is not under a fabric. */
export function fabricArmIdOf(armId: string): string | undefined {
  const m = /^(.*\/replicationFabrics\/[^/]+)/i.exec(armId);
  return m?.[1];
}

/**
 * The event's name (and message id): a GUID-shaped digest of where it was raised and its
 * position there, so a retried publish or delivery carries the same id and receivers can drop
 * the duplicate.
 */
export function eventNameOf(vaultKey: string, source: string, documentId: string, sequence: number): string {
  const h = createHash('sha256').update(`${vaultKey}\n${source}\n${documentId}\n${sequence}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
