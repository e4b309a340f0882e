import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { PolicyProperties, ProtectedItemProperties } from '../../metadata';
import type { ResourceDefinition } from '../ResourceDefinition';
import { resolveReference } from '../resolveReference';

const vmName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const disk = z.object({
  diskId: z.string().min(1),
  diskName: z.string().optional(),
  capacityInBytes: z.number().int().positive().optional(),
});

/** ASR's `HyperVReplicaAzureEnableProtectionInput`, plus our disks, static IP and key fingerprint. */
const hyperVReplicaAzureInput = z.object({
  instanceType: z.literal('HyperVReplicaAzure'),
  hvHostVmId: z.string().optional(),
  vmName: z.string().optional(),
  osType: z.string().optional(),
  vhdId: z.string().optional(),
  disksToInclude: z.array(z.string()).optional(),
  disks: z.array(disk).optional(),
  targetAzureVmName: vmName.optional(),
  targetVmSize: z.string().min(1).optional(),
  targetAzureV2ResourceGroupId: z.string().min(1).optional(),
  targetAzureNetworkId: z.string().min(1).optional(),
  targetAzureSubnetId: z.string().min(1).optional(),
  targetIpAddress: z.ipv4().optional(),
  encryptionKeyFingerprint: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 fingerprint (64 hex digits)').optional(),
}).loose();

const enableProtectionInput = z.object({
  properties: z.object({
    policyId: z.string().min(1, 'must name the replication policy'),
    protectableItemId: z.string().optional(),
    providerSpecificDetails: hyperVReplicaAzureInput,
  }),
});

/** ASR's `UpdateReplicationProtectedItemInput` for the fields this service acts on. */
const updateInput = z.object({
  properties: z.object({
    recoveryAzureVMName: vmName.optional(),
    recoveryAzureVMSize: z.string().min(1).optional(),
    selectedRecoveryAzureNetworkId: z.string().min(1).optional(),
    selectedRecoverySubnetName: z.string().min(1).optional(),
    recoveryIpAddress: z.ipv4().optional(),
  }),
});

/** A protected VM (`replicationProtectedItems`); PUT enables protection. */
export const protectedItemResource: ResourceDefinition<ProtectedItemProperties> = {
  kind: 'protectedItem',
  collections: ['replicationFabrics', 'replicationProtectionContainers', 'replicationProtectedItems'],
  storedAncestors: [0, 1],
  type: 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems',
  vaultListSegment: 'replicationProtectedItems',
  putReplaces: false,
  asyncPut: true,
  asyncDelete: true,
  postRemove: true,
  createSchema: enableProtectionInput,
  updateSchema: updateInput,
  async build(input, ctx) {
    const { properties: p } = input as z.infer<typeof enableProtectionInput>;
    const policy = await resolveReference<PolicyProperties>(ctx, p.policyId, 'policy', 'properties.policyId');
    const d = p.providerSpecificDetails;
    const encrypted = policy.properties.providerSpecificDetails.encryption === 'Enabled';
    if (encrypted && !d.encryptionKeyFingerprint) {
      throw new ServiceError('InvalidRequestBody',
        `properties.providerSpecificDetails.encryptionKeyFingerprint: policy '${policy.name}' encrypts replica logs, so the key's SHA-256 fingerprint is required`,
        { details: { target: 'properties.providerSpecificDetails.encryptionKeyFingerprint' } });
    }
    const disks = d.disks ?? (d.disksToInclude ?? (d.vhdId ? [d.vhdId] : [])).map((diskId) => ({ diskId }));
    const friendlyName = d.vmName ?? ctx.name;
    return {
      properties: {
        friendlyName,
        protectableItemId: p.protectableItemId,
        policyId: policy.armId,
        policyFriendlyName: policy.name,
        primaryFabricFriendlyName: ctx.names[0],
        protectionState: 'InitialReplicationPending',
        protectionStateDescription: 'Waiting for the first replica log',
        replicationHealth: 'Normal',
        activeLocation: 'Primary',
        allowedOperations: ['DisableProtection', 'TestFailover', 'PlannedFailover', 'UnplannedFailover'],
        healthErrors: [],
        providerSpecificDetails: {
          instanceType: 'HyperVReplicaAzure',
          vmId: d.hvHostVmId,
          disks,
          recoveryAzureVmName: d.targetAzureVmName ?? friendlyName,
          recoveryAzureVMSize: d.targetVmSize,
          recoveryAzureResourceGroupId: d.targetAzureV2ResourceGroupId,
          selectedRecoveryAzureNetworkId: d.targetAzureNetworkId,
          selectedRecoverySubnetName: d.targetAzureSubnetId?.split('/').pop(),
          recoveryIpAddress: d.targetIpAddress,
          encryption: encrypted ? 'Enabled' : 'Disabled',
          encryptionKeyFingerprint: d.encryptionKeyFingerprint?.toLowerCase(),
        },
      },
      refs: [policy.armId.toLowerCase()],
    };
  },
  async update(input, existing) {
    const { properties: u } = input as z.infer<typeof updateInput>;
    const d = existing.properties.providerSpecificDetails;
    return {
      properties: {
        ...existing.properties,
        providerSpecificDetails: {
          ...d,
          recoveryAzureVmName: u.recoveryAzureVMName ?? d.recoveryAzureVmName,
          recoveryAzureVMSize: u.recoveryAzureVMSize ?? d.recoveryAzureVMSize,
          selectedRecoveryAzureNetworkId: u.selectedRecoveryAzureNetworkId ?? d.selectedRecoveryAzureNetworkId,
          selectedRecoverySubnetName: u.selectedRecoverySubnetName ?? d.selectedRecoverySubnetName,
          recoveryIpAddress: u.recoveryIpAddress ?? d.recoveryIpAddress,
        },
      },
      refs: existing.refs,
    };
  },
  async afterDelete(doc, ctx) {
    await ctx.store.deleteRecoveryPointsOf(ctx.vaultKey, doc.armId);
  },
};
