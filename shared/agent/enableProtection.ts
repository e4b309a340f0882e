import { ServiceError } from '../errors';
import { AgentApi, ArmResourceLike } from './AgentApi';

export interface EnableProtectionInput {
  vault: string;
  item: string;
  policy: string;
  fabric: string;
  container: string;
  disks: { diskId: string; diskName: string; capacityInBytes: number }[];
  keyFingerprint: string | null;
  hostName: string;
  /** The registered site that will ship the item's logs (it alone gets their upload URLs). */
  sourceSiteId?: string;
}

export interface ProtectionRegistration {
  itemArmId: string;
  intervalSeconds: number;
}

/**
 * Registers the machine (fabric = the site, container = this host) and enables protection of
 * the item with its disks through the API, as the Hyper-V host's provider does. The policy
 * decides encryption: a policy that encrypts needs a key, one that does not refuses one.
 * Re-running after a crash finds the item already protected and accepts it when its policy
 * and disks are the same.
 */
export async function enableProtection(api: AgentApi, input: EnableProtectionInput): Promise<ProtectionRegistration> {
  const V = api.vaultPath(input.vault);
  const policy = await api.get(`${V}/replicationPolicies/${encodeURIComponent(input.policy)}`);
  const details = policy.properties.providerSpecificDetails ?? {};
  const encrypted = details.encryption === 'Enabled';
  if (encrypted && !input.keyFingerprint) {
    throw new ServiceError('EncryptionKeyRequired', `policy '${input.policy}' encrypts replica logs: pass --encryption-key-file with your 64-byte AES-256-XTS key`);
  }
  if (!encrypted && input.keyFingerprint) {
    throw new ServiceError('EncryptionNotEnabled', `policy '${input.policy}' does not encrypt: use a policy created with --encryption, or drop --encryption-key-file`);
  }
  const intervalSeconds = Number(details.replicationInterval ?? 300);

  const fabricPath = `${V}/replicationFabrics/${encodeURIComponent(input.fabric)}`;
  const containerPath = `${fabricPath}/replicationProtectionContainers/${encodeURIComponent(input.container)}`;
  const itemPath = `${containerPath}/replicationProtectedItems/${encodeURIComponent(input.item)}`;
  await api.put(fabricPath, { properties: { customDetails: { instanceType: 'HyperVSite' } } });
  await api.put(containerPath, { properties: { providerSpecificInput: [{ instanceType: 'HyperVReplicaAzure' }] } });
  const body = {
    properties: {
      policyId: policy.id,
      protectableItemId: `${containerPath}/replicationProtectableItems/${encodeURIComponent(input.item)}`,
      providerSpecificDetails: {
        instanceType: 'HyperVReplicaAzure',
        hvHostVmId: `${input.hostName}/${input.item}`,
        vmName: input.item,
        disks: input.disks,
        ...(input.keyFingerprint ? { encryptionKeyFingerprint: input.keyFingerprint } : {}),
        ...(input.sourceSiteId ? { sourceSiteId: input.sourceSiteId } : {}),
      },
    },
  };
  let item: ArmResourceLike;
  try {
    item = await api.put(itemPath, body);
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'Conflict')) throw err;
    item = await api.get(itemPath);
    assertSameProtection(item, policy.id, input);
  }
  return { itemArmId: item?.id ?? itemPath, intervalSeconds };
}

function assertSameProtection(item: ArmResourceLike, policyId: string, input: EnableProtectionInput): void {
  const d = item.properties.providerSpecificDetails ?? {};
  const disks = ((d.disks ?? []) as { diskId: string }[]).map((k) => k.diskId).join(',');
  const want = input.disks.map((k) => k.diskId).join(',');
  if (String(item.properties.policyId).toLowerCase() !== policyId.toLowerCase() || disks !== want) {
    throw new ServiceError('Conflict', `item '${input.item}' is already protected with another policy or other disks (${disks}); disable its protection first or use another item name`);
  }
}
