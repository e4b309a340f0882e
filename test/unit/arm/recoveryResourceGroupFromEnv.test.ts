import { recoveryResourceGroupFromEnv } from '../../../shared/arm/recoveryResourceGroupFromEnv';

describe('ASR_RECOVERY_RESOURCE_GROUP (infra/main.bicep sets it to the group it creates)', () => {
  it('defaults to asr-recovery and takes a valid resource group name', () => {
    expect(recoveryResourceGroupFromEnv({})).toBe('asr-recovery');
    expect(recoveryResourceGroupFromEnv({ ASR_RECOVERY_RESOURCE_GROUP: ' rg-dr1-recovery ' })).toBe('rg-dr1-recovery');
  });

  it('refuses a name Azure would refuse, naming the setting', () => {
    for (const bad of ['a/b', 'dr.', '../x', 'x'.repeat(91)]) {
      expect(() => recoveryResourceGroupFromEnv({ ASR_RECOVERY_RESOURCE_GROUP: bad })).toThrow(/^ASR_RECOVERY_RESOURCE_GROUP: '/);
    }
  });
});
