/** The Cosmos id of a vault resource: its vault-relative path, lower case, `/` replaced by `|`. */
export function documentIdOf(relativeSegments: string[]): string {
  return relativeSegments.join('|').toLowerCase();
}

/** Splits an ARM id under `vaultArmId` into its relative segments; undefined if it lies elsewhere. */
export function relativeSegmentsOf(armId: string, vaultArmId: string): string[] | undefined {
  const a = armId.replace(/\/+$/, '');
  if (!a.toLowerCase().startsWith(vaultArmId.toLowerCase() + '/')) return undefined;
  return a.slice(vaultArmId.length + 1).split('/').filter((s) => s !== '');
}

/** The last segment of an ARM id (its name). */
export function nameOf(armId: string): string {
  const parts = armId.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1];
}
