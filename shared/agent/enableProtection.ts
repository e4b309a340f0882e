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
  /** Issued by the API when protection was enabled; the agent stamps it on every log. */
  protectionId: string;
}

/**
 * Registers the machine (fabric = the site, container = this host) and enables protection of
 * the item with its disks through the API, as the Hyper-V host's provider does. The policy
 * decides encryption: a policy that encrypts needs a key, one that does not refuses one.
 * Re-running after a crash finds the item already protected and accepts it when its policy
 * and disks are the same (the API answers such a retry with the item as it stands); another
 * disk or machine under a taken name is refused by the API (`ItemAlreadyProtected`, 409).
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
  const item: ArmResourceLike = (await api.put<ArmResourceLike | undefined>(itemPath, body)) ?? await api.get(itemPath);
  const d = item.properties?.providerSpecificDetails ?? {};
  const protectionId = d.protectionId as string | undefined;
  if (!protectionId) {
    throw new ServiceError('ProtectionUnknown', `the API at ${api.config.endpoint} enabled protection of '${input.item}' but issued no protection id; it is older than this agent, which needs one to stamp its logs`);
  }
  // The same source again with nothing of ours on disk: fine if nothing was merged yet (a retry
  // after a crash before the state was written); otherwise the item replicates from a state
  // this agent no longer has, and starting at log 1 would only produce divergent logs.
  const progressed = ((d.protectedDisks ?? []) as { lastAppliedSequence?: number }[]).some((k) => (k.lastAppliedSequence ?? 0) > 0);
  if (progressed) {
    throw new ServiceError('AlreadyProtected', `item '${input.item}' is already protected from this machine (protection id ${protectionId}) and replicating, but this agent has no state for it: ` +
      "use the state directory it was protected with (--state-dir), or disable the item's protection and protect it again");
  }
  return { itemArmId: item.id ?? itemPath, intervalSeconds, protectionId };
}
