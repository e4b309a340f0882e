import { itemOsDetailsOf, machineOsOf } from '../../../shared/recovery/plan/machineOsOf';

describe('the guest OS and generation a failover creates', () => {
  it('come from the item: a Linux Gen 2 source becomes osType Linux and hyperVGeneration V2', () => {
    const stored = itemOsDetailsOf({ osType: 'LINUX', generation: '2' });
    expect(stored).toEqual({ oSDetails: { osType: 'Linux' }, generation: '2' });
    expect(machineOsOf(stored)).toEqual({ osType: 'Linux', hyperVGeneration: 'V2' });
  });

  it('default as ASR does: Windows, Generation 1 (an item protected before these fields existed too)', () => {
    expect(itemOsDetailsOf({})).toEqual({});
    expect(machineOsOf({})).toEqual({ osType: 'Windows', hyperVGeneration: 'V1' });
    expect(machineOsOf(itemOsDetailsOf({ osType: 'windows', generation: '1' }))).toEqual({ osType: 'Windows', hyperVGeneration: 'V1' });
  });
});
