import { DefaultAzureCredential } from '@azure/identity';
import type { BlobServiceClient } from '@azure/storage-blob';
import { DEFAULT_RECOVERY_RESOURCE_GROUP } from '../config/recoveryResourceGroup';
import { AzureFabric } from './AzureFabric';
import { FabricError } from './FabricError';
import { LocalFabric } from './LocalFabric';
import { qemuFabricFromEnv } from './qemuFabricFromEnv';
import { TargetFabric } from './TargetFabric';

/**
 * The fabric the configuration names: `ASR_TARGET_FABRIC=local` (default), `azure` or `qemu`.
 * - local: `ASR_LOCAL_FABRIC_FAULT_FAIL_START` (comma-separated machine names or item ids) is
 *   FAULT INJECTION for tests: those machines fail to start.
 * - azure: `ASR_AZURE_SUBSCRIPTION_ID`, `ASR_AZURE_LOCATION`, `ASR_AZURE_STORAGE_ACCOUNT_ID` (the
 *   ARM id of the replica storage account), optional `ASR_AZURE_DISK_SKU`; the resource groups
 *   failover creates in and the orphan sweep lists (never the whole subscription):
 *   `ASR_RECOVERY_RESOURCE_GROUP` (set by the Bicep) plus `ASR_AZURE_RESOURCE_GROUPS`
 *   (comma-separated: the other groups items name, `additionalRecoveryResourceGroups`); credentials from
 *   `DefaultAzureCredential` (managed identity in Azure, `az login` or environment on a desk).
 * - qemu: the local fabric's disks and records, machines booted under qemu (`ASR_QEMU_*`, see
 *   {@link qemuFabricFromEnv} and docs/fabrics.md).
 */
export function targetFabricFromEnv(deps: { blobs: BlobServiceClient }, env: NodeJS.ProcessEnv = process.env): TargetFabric {
  const kind = (env.ASR_TARGET_FABRIC ?? 'local').toLowerCase();
  if (kind === 'local') {
    const faultFailStart = (env.ASR_LOCAL_FABRIC_FAULT_FAIL_START ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return new LocalFabric({ blobs: deps.blobs, faultFailStart });
  }
  if (kind === 'azure') {
    const need = (name: string) => {
      const v = env[name];
      if (!v) throw new FabricError('FabricNotConfigured', `ASR_TARGET_FABRIC=azure needs ${name}`, { recommendedAction: `Set ${name} in the app settings, or use ASR_TARGET_FABRIC=local.` });
      return v;
    };
    const diskSku = env.ASR_AZURE_DISK_SKU as 'Standard_LRS' | 'StandardSSD_LRS' | 'Premium_LRS' | undefined;
    if (diskSku && !['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS'].includes(diskSku)) throw new FabricError('FabricNotConfigured', `ASR_AZURE_DISK_SKU "${diskSku}" is not Standard_LRS, StandardSSD_LRS or Premium_LRS`);
    return new AzureFabric({
      subscriptionId: need('ASR_AZURE_SUBSCRIPTION_ID'),
      location: need('ASR_AZURE_LOCATION'),
      storageAccountId: need('ASR_AZURE_STORAGE_ACCOUNT_ID'),
      credential: new DefaultAzureCredential(),
      blobs: deps.blobs,
      diskSku,
      resourceGroups: recoveryResourceGroupsOf(env),
      // Comma-separated; a sovereign cloud's blob endpoint is added here (default Azure public's).
      ...(env.ASR_AZURE_DISK_SAS_HOSTS ? { diskSasHosts: env.ASR_AZURE_DISK_SAS_HOSTS.split(',').map((h) => h.trim()).filter(Boolean) } : {}),
    });
  }
  if (kind === 'qemu') return qemuFabricFromEnv(deps, env);
  throw new FabricError('FabricNotConfigured', `ASR_TARGET_FABRIC is "${env.ASR_TARGET_FABRIC}"; use local, azure or qemu`);
}

/** The recovery groups the configuration names: the default one first (`asr-recovery` when unset, as items then default to it), then the others, once each. */
export function recoveryResourceGroupsOf(env: NodeJS.ProcessEnv): string[] {
  const all = [env.ASR_RECOVERY_RESOURCE_GROUP?.trim() || DEFAULT_RECOVERY_RESOURCE_GROUP, ...(env.ASR_AZURE_RESOURCE_GROUPS ?? '').split(',')].map((g) => g.trim()).filter(Boolean);
  return [...new Set(all.map((g) => g.toLowerCase()))];
}
