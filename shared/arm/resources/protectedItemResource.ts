import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ServiceError } from '../../errors';
import { diskIdSchema, issuedIdSchema, resourceGroupIdSchema, subnetNameSchema, subnetRefSchema, virtualNetworkRefSchema } from '../../naming';
import { siteDocumentIds } from '../../sites';
import type { PolicyProperties, ProtectedDisk, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import type { BuildContext, ResourceDefinition } from '../ResourceDefinition';
import { resolveReference } from '../resolveReference';
import { presentProtectionStatus } from './protectionStatusOf';
import { nicsOfItem } from '../../recovery/plan/resolveRecoveryNics';
import { itemOsDetailsOf } from '../../recovery/plan/machineOsOf';
import { itemRecoveryPointName } from '../../contracts/ItemRecoveryPoint';
import { ApplicationProbesSchema } from '../../contracts/ApplicationProbe';

const vmName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const disk = z.object({
  diskId: diskIdSchema,
  diskName: z.string().optional(),
  capacityInBytes: z.number().int().positive().optional(),
});

/**
 * A NIC of the source VM with its source network (our extension: ASR discovers NICs from the
 * Hyper-V host), optionally with its own target network, subnet and static IP.
 */
const nicInput = z.object({
  nicId: z.string().min(1),
  vMNetworkName: z.string().min(1).optional(),
  recoveryVMNetworkId: virtualNetworkRefSchema.optional(),
  recoveryVMSubnetName: subnetNameSchema.optional(),
  replicaNicStaticIPAddress: z.ipv4().optional(),
}).strict();

const nicList = z.array(nicInput).max(8, 'at most 8 NICs').refine((nics) => new Set(nics.map((n) => n.nicId.toLowerCase())).size === nics.length, 'nicId must be unique');

/** ASR's `HyperVReplicaAzureEnableProtectionInput`, plus our disks, NICs, static IP and key fingerprint. */
const hyperVReplicaAzureInput = z.object({
  instanceType: z.literal('HyperVReplicaAzure'),
  hvHostVmId: z.string().optional(),
  vmName: z.string().optional(),
  osType: z.string().regex(/^(windows|linux)$/i, 'must be Windows or Linux').optional(),
  /** Our extension (ASR's Hyper-V protectable item reports it): Generation 2 = UEFI; default 1. */
  generation: z.enum(['1', '2']).optional(),
  vhdId: diskIdSchema.optional(),
  disksToInclude: z.array(diskIdSchema).optional(),
  disks: z.array(disk).optional(),
  targetAzureVmName: vmName.optional(),
  targetVmSize: z.string().min(1).optional(),
  targetAzureV2ResourceGroupId: resourceGroupIdSchema.optional(),
  targetAzureNetworkId: virtualNetworkRefSchema.optional(),
  targetAzureSubnetId: subnetRefSchema.optional(),
  targetIpAddress: z.ipv4().optional(),
  vmNics: nicList.optional(),
  encryptionKeyFingerprint: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 fingerprint (64 hex digits)').optional(),
  /** Our extension: the registered source site that replicates the item (the only one that gets its upload URLs). */
  sourceSiteId: issuedIdSchema.optional(),
  /** Our extension: what proves the recovered machine's application is up (docs/api.md). */
  applicationProbes: ApplicationProbesSchema.optional(),
}).loose();

const enableProtectionInput = z.object({
  properties: z.object({
    policyId: z.string().min(1, 'must name the replication policy'),
    protectableItemId: z.string().optional(),
    providerSpecificDetails: hyperVReplicaAzureInput,
  }),
});

/** ASR's `IPConfigInputDetails`, for the fields this service acts on. */
const ipConfigInput = z.object({
  isPrimary: z.boolean().optional(),
  /** Our extension: this NIC's own target network (ASR sets the network item-wide). */
  recoveryVMNetworkId: virtualNetworkRefSchema.optional(),
  recoverySubnetName: subnetNameSchema.optional(),
  recoveryStaticIPAddress: z.ipv4().optional(),
});

/** ASR's `UpdateReplicationProtectedItemInput` for the fields this service acts on. */
const updateInput = z.object({
  properties: z.object({
    recoveryAzureVMName: vmName.optional(),
    recoveryAzureVMSize: z.string().min(1).optional(),
    selectedRecoveryAzureNetworkId: virtualNetworkRefSchema.optional(),
    /** ASR's way to choose subnet and static IP: the primary IP configuration of the first NIC. */
    vmNics: z.array(z.object({ nicId: z.string().optional(), ipConfigs: z.array(ipConfigInput).optional() })).optional(),
    selectedRecoverySubnetName: subnetNameSchema.optional(),
    recoveryIpAddress: z.ipv4().optional(),
    /** Our extension: replaces the item's application probes (`[]` removes them). */
    applicationProbes: ApplicationProbesSchema.optional(),
  }),
});

const MiB = 1024 * 1024;

function describeDisks(vmId: string | undefined, disks: ProtectedDisk[]): string {
  const list = disks.map((k) => `${k.diskId}${k.diskName ? ` = ${k.diskName}` : ''}${k.capacityInBytes !== undefined ? ` (${+(k.capacityInBytes / MiB).toFixed(2)} MiB)` : ''}`).join(', ');
  return `${list || 'no disks'}${vmId ? ` of VM '${vmId}'` : ''}`;
}

/** Fields both sides state must agree; a field only one side states does not count. */
const agree = <T>(a: T | undefined, b: T | undefined) => a === undefined || b === undefined || a === b;

function sameDisks(a: ProtectedDisk[], b: ProtectedDisk[]): boolean {
  return a.length === b.length && a.every((x, i) =>
    x.diskId.toLowerCase() === b[i].diskId.toLowerCase() && agree(x.diskName, b[i].diskName) && agree(x.capacityInBytes, b[i].capacityInBytes));
}

function disksOf(d: z.infer<typeof hyperVReplicaAzureInput>): ProtectedDisk[] {
  return d.disks ?? (d.disksToInclude ?? (d.vhdId ? [d.vhdId] : [])).map((diskId) => ({ diskId }));
}

/**
 * Enable protection of a name that is already protected: the same source again (a retry after
 * a lost answer) is answered with the item as it stands, its protection id included; any other
 * source (another disk, VM, policy or key) is refused with what is protected and how to go on.
 * Without this an agent protecting another machine under a taken name got "completed".
 */
async function refuseOtherSource(input: unknown, existing: ResourceDocument<ProtectedItemProperties>, ctx: BuildContext): Promise<void> {
  const { properties: p } = input as z.infer<typeof enableProtectionInput>;
  const d = p.providerSpecificDetails;
  const have = existing.properties.providerSpecificDetails;
  const policy = await resolveReference<PolicyProperties>(ctx, p.policyId, 'policy', 'properties.policyId');
  const disks = disksOf(d);
  const same = policy.armId.toLowerCase() === existing.properties.policyId.toLowerCase()
    && agree(d.hvHostVmId, have.vmId)
    && sameDisks(disks, have.disks)
    && (d.encryptionKeyFingerprint?.toLowerCase() ?? null) === (have.encryptionKeyFingerprint ?? null);
  if (same) return;
  throw new ServiceError('ItemAlreadyProtected',
    `protected item '${existing.name}' already protects ${describeDisks(have.vmId, have.disks)} with policy '${existing.properties.policyFriendlyName ?? existing.properties.policyId}'` +
    `${have.protectionId ? ` (protection id ${have.protectionId})` : ''}; this request names ${describeDisks(d.hvHostVmId, disks)} with policy '${policy.name}'. ` +
    `To protect this machine, choose another item name; to protect it under '${existing.name}' instead, disable the existing protection first (DELETE, or POST …/replicationProtectedItems/${existing.name}/remove), which ends that machine's replication.`,
    { details: { target: 'properties.providerSpecificDetails.disks', protectionId: have.protectionId } });
}

/**
 * The item's recovery resource group, explicit from protection on: the one the request names
 * (in the vault's subscription: the fabric creates machines there with the app's identity) or
 * the deployment's (`ASR_RECOVERY_RESOURCE_GROUP`). Whether it exists and grants the roles is
 * checked at each failover's prerequisites step, where Azure can be asked.
 */
function recoveryResourceGroupIdOf(requested: string | undefined, ctx: BuildContext): string {
  const subscription = ctx.vaultArmId.split('/')[2];
  if (requested === undefined) return `/subscriptions/${subscription}/resourceGroups/${ctx.recoveryResourceGroup}`;
  const named = requested.split('/')[2];
  if (named.toLowerCase() !== subscription.toLowerCase()) {
    throw new ServiceError('InvalidRequestBody',
      `properties.providerSpecificDetails.targetAzureV2ResourceGroupId: '${requested}' is in subscription ${named}, the vault is in ${subscription}; recovery into another subscription is not supported: name a resource group of the vault's subscription`,
      { details: { target: 'properties.providerSpecificDetails.targetAzureV2ResourceGroupId' } });
  }
  return requested;
}

/**
 * The newest recovery point as ASR names it (`lastRecoveryPointReceived`) and our
 * `lastRecoveryPointId`, named as the item's points are listed: when every disk's newest point
 * is of the same cut, that cut is the item's newest point; otherwise the newest point of the
 * whole item is older and only the list tells which, so no id is given.
 */
function newestItemPoint(d: ProtectedItemProperties['providerSpecificDetails']): Record<string, string | undefined> {
  const times = (d.protectedDisks ?? []).map((k) => k.lastRecoveryPointTime);
  const t = d.lastRecoveryPointTime;
  const oneCut = t !== undefined && times.length === d.disks.length && times.every((x) => x !== undefined && Date.parse(x) === Date.parse(t));
  return { lastRecoveryPointReceived: t, lastRecoveryPointId: oneCut ? itemRecoveryPointName(Date.parse(t)) : undefined };
}

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
    if (d.sourceSiteId && !(await ctx.store.getResource(ctx.vaultKey, siteDocumentIds.site(d.sourceSiteId)))) {
      throw new ServiceError('InvalidRequestBody', `properties.providerSpecificDetails.sourceSiteId: no site '${d.sourceSiteId}' is registered with this vault; register the site first`,
        { details: { target: 'properties.providerSpecificDetails.sourceSiteId' } });
    }
    const disks = disksOf(d);
    const friendlyName = d.vmName ?? ctx.name;
    const recoveryResourceGroupId = recoveryResourceGroupIdOf(d.targetAzureV2ResourceGroupId, ctx);
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
          recoveryAzureResourceGroupId: recoveryResourceGroupId,
          selectedRecoveryAzureNetworkId: d.targetAzureNetworkId,
          selectedRecoverySubnetName: d.targetAzureSubnetId?.split('/').pop(),
          recoveryIpAddress: d.targetIpAddress,
          ...(d.vmNics ? { vmNics: d.vmNics } : {}),
          ...itemOsDetailsOf(d),
          encryption: encrypted ? 'Enabled' : 'Disabled',
          encryptionKeyFingerprint: d.encryptionKeyFingerprint?.toLowerCase(),
          // Issued once, here: the agent stamps it on every log, the merge refuses any other.
          protectionId: randomUUID(),
          ...(d.sourceSiteId ? { sourceSiteId: d.sourceSiteId.toLowerCase() } : {}),
          ...(d.applicationProbes?.length ? { applicationProbes: d.applicationProbes } : {}),
        },
      },
      refs: [policy.armId.toLowerCase()],
    };
  },
  existingPut: refuseOtherSource,
  async update(input, existing) {
    const { properties: u } = input as z.infer<typeof updateInput>;
    const d = existing.properties.providerSpecificDetails;
    // With stored NICs, each `vmNics` entry updates the NIC of its `nicId`; without, the first
    // entry's primary IP configuration sets the item-wide subnet and static IP (ASR's way).
    const stored = d.vmNics;
    const configs = stored ? [] : u.vmNics?.[0]?.ipConfigs ?? [];
    const ip = configs.find((c) => c.isPrimary) ?? configs[0];
    const vmNics = stored?.map((nic) => {
      const change = u.vmNics?.find((n) => n.nicId?.toLowerCase() === nic.nicId.toLowerCase());
      const c = change?.ipConfigs?.find((x) => x.isPrimary) ?? change?.ipConfigs?.[0];
      return c ? {
        ...nic,
        ...(c.recoveryVMNetworkId ? { recoveryVMNetworkId: c.recoveryVMNetworkId } : {}),
        ...(c.recoverySubnetName ? { recoveryVMSubnetName: c.recoverySubnetName } : {}),
        ...(c.recoveryStaticIPAddress ? { replicaNicStaticIPAddress: c.recoveryStaticIPAddress } : {}),
      } : nic;
    });
    const unknown = stored && u.vmNics?.find((n) => !stored.some((s) => s.nicId.toLowerCase() === n.nicId?.toLowerCase()));
    if (unknown) {
      throw new ServiceError('InvalidRequestBody', `properties.vmNics: the item has no NIC '${unknown.nicId ?? ''}'; its NICs are ${stored!.map((n) => n.nicId).join(', ')}`, { details: { target: 'properties.vmNics' } });
    }
    return {
      properties: {
        ...existing.properties,
        providerSpecificDetails: {
          ...d,
          recoveryAzureVmName: u.recoveryAzureVMName ?? d.recoveryAzureVmName,
          recoveryAzureVMSize: u.recoveryAzureVMSize ?? d.recoveryAzureVMSize,
          selectedRecoveryAzureNetworkId: u.selectedRecoveryAzureNetworkId ?? d.selectedRecoveryAzureNetworkId,
          selectedRecoverySubnetName: u.selectedRecoverySubnetName ?? ip?.recoverySubnetName ?? d.selectedRecoverySubnetName,
          recoveryIpAddress: u.recoveryIpAddress ?? ip?.recoveryStaticIPAddress ?? d.recoveryIpAddress,
          ...(vmNics ? { vmNics } : {}),
          ...(u.applicationProbes ? { applicationProbes: u.applicationProbes } : {}),
        },
      },
      refs: existing.refs,
    };
  },
  /**
   * Adds ASR's own views of disks and NIC (`azureVmDiskDetails`, `vmNics`): the official
   * client drops fields its model does not know, so target IP and subnet would be invisible
   * to it otherwise. The stored fields stay the source of truth; the protection status
   * (shared/protection) is derived from them at the time of the answer.
   */
  async present(stored, ctx) {
    // State, health and RPO are computed for the time of the answer: a stale RPO grows.
    const p = await presentProtectionStatus(stored, ctx);
    const d = p.providerSpecificDetails;
    return {
      ...p,
      // ASR's test failover state; the jobs set it (shared/recovery/jobs/scenarioTimes), 'None' until the first test.
      testFailoverState: (p as { testFailoverState?: string }).testFailoverState ?? 'None',
      providerSpecificDetails: {
        ...d,
        ...newestItemPoint(d),
        azureVmDiskDetails: d.disks.map((k, lun) => ({
          diskId: k.diskId, vhdId: k.diskId, vhdName: k.diskName ?? k.diskId, vhdType: lun === 0 ? 'OperatingSystem' : 'DataDisk',
          maxSizeMB: k.capacityInBytes === undefined ? undefined : String(Math.ceil(k.capacityInBytes / 1048576)), lunId: String(lun),
        })),
        vmNics: nicsOfItem(p).map((nic, index) => {
          const subnet = nic.recoveryVMSubnetName ?? (index === 0 ? d.selectedRecoverySubnetName : undefined);
          const ip = nic.replicaNicStaticIPAddress ?? (index === 0 ? d.recoveryIpAddress : undefined);
          return {
            nicId: nic.nicId,
            vMNetworkName: nic.vMNetworkName,
            selectionType: 'SelectedByUser',
            // The item's own choice; a failover without one uses the vault's network mapping of vMNetworkName.
            recoveryVMNetworkId: nic.recoveryVMNetworkId ?? d.selectedRecoveryAzureNetworkId,
            ipConfigs: [{
              name: 'ipconfig1', isPrimary: true, recoverySubnetName: subnet,
              recoveryStaticIPAddress: ip, recoveryIPAddressType: ip ? 'Static' : 'Dynamic',
            }],
          };
        }),
      },
    };
  },
  async afterDelete(doc, ctx) {
    await ctx.store.deleteRecoveryPointsOf(ctx.vaultKey, doc.armId);
  },
};
