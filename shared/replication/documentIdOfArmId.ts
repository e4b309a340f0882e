/**
 * The metadata store's document id of a resource under a vault: its vault-relative ARM path,
 * lower case, `/` as `|` (the rule of shared/arm's `documentIdOf`, restated here so that the
 * replication leaf does not import the API layer).
 */
export function documentIdOfArmId(armId: string): string {
  const rel = armId.toLowerCase().split('/providers/microsoft.recoveryservices/vaults/')[1]?.split('/').slice(1) ?? [];
  return rel.join('|');
}
