/** Names one vault the way ARM addresses it. */
export interface VaultRef {
  subscriptionId: string;
  resourceGroupName: string;
  vaultName: string;
}

/**
 * The vault's partition key value: ARM names are case-insensitive, so the key is lower-cased
 * and every spelling of one vault lands in the same partition.
 */
export function vaultKeyOf(ref: VaultRef): string {
  return `${ref.subscriptionId}/${ref.resourceGroupName}/${ref.vaultName}`.toLowerCase();
}

/** The vault's ARM resource id, in the caller's spelling. */
export function vaultArmIdOf(ref: VaultRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroupName}` +
    `/providers/Microsoft.RecoveryServices/vaults/${ref.vaultName}`;
}
