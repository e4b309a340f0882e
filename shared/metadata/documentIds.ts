/**
 * How ARM ids become Cosmos document ids. Every writer uses these, so readers find what was
 * written: the vault-relative ARM path, lower case (ARM names are case-insensitive), with `/`
 * replaced by `|` (Cosmos ids may not contain `/`).
 */

const VAULT_MARKER = '/providers/microsoft.recoveryservices/vaults/';

/** The document id of a vault resource from its path segments below the vault. */
export function resourceDocumentId(relativeSegments: string[]): string {
  return relativeSegments.join('|').toLowerCase();
}

/** The segments of an ARM id below its vault (`replicationFabrics`, `site1`, …), or undefined if it names no vault child. */
export function vaultRelativeSegments(armId: string): string[] | undefined {
  const lower = armId.toLowerCase();
  const at = lower.indexOf(VAULT_MARKER);
  if (at < 0) return undefined;
  const [, ...rest] = armId.slice(at + VAULT_MARKER.length).split('/').filter((s) => s !== '');
  return rest.length ? rest : undefined;
}

/** The document id of a protected item's recovery point (`…|replicationprotecteditems|vm1|recoverypoints|<name>`). */
export function recoveryPointDocumentId(itemArmId: string, pointName: string): string {
  const rel = vaultRelativeSegments(itemArmId);
  if (!rel) throw new Error(`'${itemArmId}' is not the ARM id of a protected item`);
  return resourceDocumentId([...rel, 'recoveryPoints', pointName]);
}
