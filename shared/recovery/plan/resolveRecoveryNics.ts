import type { MachineNicSpec } from '../../fabric';
import type { MetadataStore, ProtectedItemNic, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { RecoveryError } from './RecoveryError';

/** A vault network mapping as the recovery reads it: source fabric and network → target network. */
export interface NetworkMappingEntry {
  fabric: string;
  network: string;
  recoveryNetworkId: string;
}

/** The vault's network mappings (`replicationNetworkMappings`), every page. */
export async function loadNetworkMappings(store: MetadataStore, vaultKey: string): Promise<NetworkMappingEntry[]> {
  const out: NetworkMappingEntry[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.listResources(vaultKey, { kind: 'networkMapping', continuationToken });
    for (const m of page.items) {
      const p = m.properties as { primaryFabricFriendlyName?: string; primaryNetworkFriendlyName?: string; recoveryNetworkId?: string };
      if (p.primaryFabricFriendlyName && p.primaryNetworkFriendlyName && p.recoveryNetworkId) {
        out.push({ fabric: p.primaryFabricFriendlyName, network: p.primaryNetworkFriendlyName, recoveryNetworkId: p.recoveryNetworkId });
      }
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return out;
}

/** The item's NICs as stored; an item that lists none has one, `nic0`, on no known source network. */
export function nicsOfItem(item: ProtectedItemProperties): ProtectedItemNic[] {
  const nics = item.providerSpecificDetails.vmNics;
  return nics && nics.length > 0 ? nics : [{ nicId: 'nic0' }];
}

function lastSegment(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? id;
}

/**
 * Whether resolving the item's NICs can use the vault's network mappings at all: not when a
 * test failover names its network, nor when every NIC has a target network of its own or the
 * item names one. A failover reads the mappings only then (issue 17: listing them for every
 * machine was a third of a large failover's queries, for machines that never used them).
 */
export function needsNetworkMappings(item: ProtectedItemProperties, test: { testNetworkId?: string } | undefined): boolean {
  if (test?.testNetworkId || item.providerSpecificDetails.selectedRecoveryAzureNetworkId) return false;
  return nicsOfItem(item).some((nic) => !nic.recoveryVMNetworkId);
}

/**
 * The target NICs of a recovered machine (docs/recovery-plans.md, "Networks"). Per NIC, the
 * target network is, in this order: the NIC's own `recoveryVMNetworkId`; the item's
 * `selectedRecoveryAzureNetworkId`; the vault's network mapping of the NIC's source network
 * (`vMNetworkName`) on the item's fabric. None of them: `NetworkNotMapped`, naming the NIC and
 * its source network. A test failover puts every NIC on the test network when one is given
 * (otherwise on `{resolved network}-test`). Subnet and static IP come from the NIC, then, for the
 * first NIC only, from the item-wide fields ASR's update API writes.
 */
export function resolveRecoveryNics(
  item: ResourceDocument<ProtectedItemProperties>,
  mappings: NetworkMappingEntry[],
  test: { testNetworkId?: string } | undefined,
): MachineNicSpec[] {
  const d = item.properties.providerSpecificDetails;
  const fabric = item.properties.primaryFabricFriendlyName?.toLowerCase();
  return nicsOfItem(item.properties).map((nic, index) => {
    const subnet = nic.recoveryVMSubnetName ?? (index === 0 ? d.selectedRecoverySubnetName : undefined) ?? 'default';
    const staticIp = nic.replicaNicStaticIPAddress ?? (index === 0 ? d.recoveryIpAddress : undefined);
    const withIp = (network: string): MachineNicSpec => ({ network, subnet, ...(staticIp ? { staticIp } : {}) });
    if (test?.testNetworkId) return withIp(test.testNetworkId);
    const mapped = nic.vMNetworkName === undefined
      ? undefined
      : mappings.find((m) => m.network.toLowerCase() === nic.vMNetworkName!.toLowerCase() && (fabric === undefined || m.fabric.toLowerCase() === fabric));
    const network = nic.recoveryVMNetworkId ?? d.selectedRecoveryAzureNetworkId ?? mapped?.recoveryNetworkId;
    if (!network) {
      const source = nic.vMNetworkName ? `source network '${nic.vMNetworkName}'` : 'no known source network';
      throw new RecoveryError('NetworkNotMapped', `${item.name}: NIC ${nic.nicId} (${source}) has no target network: the NIC and the item name none, and the vault maps no network for it`, {
        possibleCauses: nic.vMNetworkName
          ? `No network mapping of '${nic.vMNetworkName}' on fabric '${item.properties.primaryFabricFriendlyName ?? '?'}' exists in the vault, and the item has no target network of its own.`
          : 'The item has no target network and its NIC names no source network a mapping could match.',
        recommendedAction: nic.vMNetworkName
          ? `Create a network mapping for '${nic.vMNetworkName}' (replicationNetworkMappings) or set the item's target network (selectedRecoveryAzureNetworkId), then retry.`
          : 'Set the item\'s target network (selectedRecoveryAzureNetworkId), then retry.',
      });
    }
    return withIp(test ? `${lastSegment(network)}-test` : network);
  });
}
