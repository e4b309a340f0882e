/**
 * Where failover creates machines for items that name no recovery resource group, unless
 * `ASR_RECOVERY_RESOURCE_GROUP` says otherwise (infra/main.bicep sets it to the group it creates
 * and grants roles in). Enable protection records the group on the item, so a later change of
 * the setting does not move existing items (shared/arm/recoveryResourceGroupFromEnv.ts).
 */
export const DEFAULT_RECOVERY_RESOURCE_GROUP = 'asr-recovery';
