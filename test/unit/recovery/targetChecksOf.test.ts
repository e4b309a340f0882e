import { subnetRefOf, targetChecksOf } from '../../../shared/recovery/plan/targetChecksOf';

const VNET = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/prod';

/** What the prerequisites step asks the fabric to verify: each recovery group once, with every subnet its machines join. */
describe('targetChecksOf', () => {
  it('a subnet of an ARM network is its ARM id; of a named network, {network}/{subnet}', () => {
    expect(subnetRefOf({ network: VNET, subnet: 'app' })).toBe(`${VNET}/subnets/app`);
    expect(subnetRefOf({ network: 'prod-vnet-a', subnet: 'default' })).toBe('prod-vnet-a/default');
  });

  it('groups machines by recovery group (case-insensitive, first spelling kept), each subnet once', () => {
    expect(targetChecksOf([
      { resourceGroup: 'rg-dr', nics: [{ network: VNET, subnet: 'app' }, { network: VNET, subnet: 'db' }] },
      { resourceGroup: 'RG-DR', nics: [{ network: VNET.toUpperCase(), subnet: 'APP' }] },
      { resourceGroup: 'asr-recovery', nics: [{ network: 'local-vnet', subnet: 'default' }] },
      { resourceGroup: 'rg-empty', nics: [] },
    ])).toEqual([
      { resourceGroup: 'rg-dr', subnetIds: [`${VNET}/subnets/app`, `${VNET}/subnets/db`] },
      { resourceGroup: 'asr-recovery', subnetIds: ['local-vnet/default'] },
      { resourceGroup: 'rg-empty', subnetIds: [] },
    ]);
  });
});
