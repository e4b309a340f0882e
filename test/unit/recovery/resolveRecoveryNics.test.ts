import type { ProtectedItemNic, ProtectedItemProperties, ResourceDocument } from '../../../shared/metadata';
import { RecoveryError } from '../../../shared/recovery/plan/RecoveryError';
import { needsNetworkMappings, resolveRecoveryNics, type NetworkMappingEntry } from '../../../shared/recovery/plan/resolveRecoveryNics';

function item(vmNics: ProtectedItemNic[] | undefined, extra: Partial<ProtectedItemProperties['providerSpecificDetails']> = {}): ResourceDocument<ProtectedItemProperties> {
  return {
    id: 'i', vaultKey: 'v', kind: 'protectedItem', name: 'web', armId: '/x/web', refs: [], createdAt: '', updatedAt: '',
    properties: {
      friendlyName: 'web', policyId: 'p', primaryFabricFriendlyName: 'hv-site', protectionState: 'Protected', replicationHealth: 'Normal',
      activeLocation: 'Primary', allowedOperations: [], healthErrors: [],
      providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId: 'os' }], ...(vmNics ? { vmNics } : {}), ...extra },
    },
  };
}

const mappings: NetworkMappingEntry[] = [
  { fabric: 'HV-Site', network: 'CorpNet', recoveryNetworkId: 'vnet-corp' },
  { fabric: 'other-site', network: 'backnet', recoveryNetworkId: 'vnet-other-site' },
];

describe('resolveRecoveryNics', () => {
  it('takes the NIC\'s own network, then the item\'s, then the mapping of its source network on the item\'s fabric', () => {
    const nics = [{ nicId: 'a', recoveryVMNetworkId: 'own' }, { nicId: 'b', vMNetworkName: 'corpnet' }];
    expect(resolveRecoveryNics(item(nics), mappings, undefined).map((n) => n.network)).toEqual(['own', 'vnet-corp']);
    expect(resolveRecoveryNics(item(nics, { selectedRecoveryAzureNetworkId: 'item-vnet' }), mappings, undefined).map((n) => n.network)).toEqual(['own', 'item-vnet']);
  });

  it('a mapping of another fabric does not count: NetworkNotMapped names the NIC and its source network', () => {
    let error: unknown;
    try {
      resolveRecoveryNics(item([{ nicId: 'nic1', vMNetworkName: 'backnet' }]), mappings, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecoveryError);
    expect(error).toMatchObject({ code: 'NetworkNotMapped', message: "web: NIC nic1 (source network 'backnet') has no target network: the NIC and the item name none, and the vault maps no network for it" });
    expect((error as RecoveryError).recommendedAction).toContain("network mapping for 'backnet'");
  });

  it('a test failover network replaces every NIC\'s; without one each NIC goes to {its network}-test; subnets and static IPs stay', () => {
    const nics = [{ nicId: 'a', vMNetworkName: 'corpnet', replicaNicStaticIPAddress: '10.0.0.4' }, { nicId: 'b', recoveryVMNetworkId: '/subs/x/virtualNetworks/vnet-b', recoveryVMSubnetName: 'db' }];
    expect(resolveRecoveryNics(item(nics), mappings, { testNetworkId: 'iso' })).toEqual([
      { network: 'iso', subnet: 'default', staticIp: '10.0.0.4' }, { network: 'iso', subnet: 'db' },
    ]);
    expect(resolveRecoveryNics(item(nics), mappings, {}).map((n) => n.network)).toEqual(['vnet-corp-test', 'vnet-b-test']);
  });

  it('an item without NICs has one, with the item-wide network, subnet and static IP', () => {
    expect(resolveRecoveryNics(item(undefined, { selectedRecoveryAzureNetworkId: 'prod', selectedRecoverySubnetName: 'app', recoveryIpAddress: '10.1.0.5' }), [], undefined))
      .toEqual([{ network: 'prod', subnet: 'app', staticIp: '10.1.0.5' }]);
  });

  it('reads the vault\'s mappings only for a NIC that has no network of its own, on an item that names none, outside a test network', () => {
    const mapped = [{ nicId: 'a', recoveryVMNetworkId: 'own' }, { nicId: 'b', vMNetworkName: 'corpnet' }];
    expect(needsNetworkMappings(item(mapped).properties, undefined)).toBe(true);
    expect(needsNetworkMappings(item(mapped).properties, {})).toBe(true);
    expect(needsNetworkMappings(item(mapped).properties, { testNetworkId: 'iso' })).toBe(false);
    expect(needsNetworkMappings(item(mapped, { selectedRecoveryAzureNetworkId: 'item-vnet' }).properties, undefined)).toBe(false);
    expect(needsNetworkMappings(item([{ nicId: 'a', recoveryVMNetworkId: 'own' }]).properties, undefined)).toBe(false);
    // Where it says no, resolving without the mappings gives what resolving with them gives.
    for (const [nics, extra, test] of [[mapped, { selectedRecoveryAzureNetworkId: 'item-vnet' }, undefined], [mapped, {}, { testNetworkId: 'iso' }]] as const) {
      expect(resolveRecoveryNics(item([...nics], extra), [], test)).toEqual(resolveRecoveryNics(item([...nics], extra), mappings, test));
    }
  });
});
