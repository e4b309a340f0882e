import { parseBody } from '../../../shared/arm/parseBody';
import { protectedItemResource } from '../../../shared/arm/resources';
import type { BuildContext } from '../../../shared/arm';
import { machineOsOf } from '../../../shared/recovery/plan/machineOsOf';

const V = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1';
const policy = { kind: 'policy', name: 'p1', armId: `${V}/replicationPolicies/p1`, properties: { providerSpecificDetails: { encryption: 'Disabled' } } };
const ctx = {
  name: 'web01', vaultKey: 'k', vaultArmId: V, names: ['site1', 'c1', 'web01'], ancestorIds: [],
  store: { getResource: async () => policy },
} as unknown as BuildContext;

const input = (details: Record<string, unknown>) => parseBody(protectedItemResource.createSchema, {
  properties: { policyId: `${V}/replicationPolicies/p1`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId: 'disk0' }], ...details } },
});

describe('enable protection keeps the guest OS and generation the failover needs', () => {
  it('stores osType as ASR\'s oSDetails and our generation; the machine spec gets Linux / V2 from them', async () => {
    const { properties } = await protectedItemResource.build(input({ osType: 'linux', generation: '2' }), ctx);
    expect(properties.providerSpecificDetails).toMatchObject({ oSDetails: { osType: 'Linux' }, generation: '2' });
    expect(machineOsOf(properties.providerSpecificDetails)).toEqual({ osType: 'Linux', hyperVGeneration: 'V2' });
  });

  it('without them the item recovers as Windows Gen 1 (ASR\'s defaults); an unknown OS or generation is refused', async () => {
    const { properties } = await protectedItemResource.build(input({}), ctx);
    expect(properties.providerSpecificDetails.oSDetails).toBeUndefined();
    expect(machineOsOf(properties.providerSpecificDetails)).toEqual({ osType: 'Windows', hyperVGeneration: 'V1' });
    expect(() => input({ osType: 'BeOS' })).toThrow(/osType: must be Windows or Linux/);
    expect(() => input({ generation: '3' })).toThrow(/generation/);
  });
});
