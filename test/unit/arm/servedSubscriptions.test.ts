import { LOCAL_SUBSCRIPTION_ID, servedSubscriptionsFromEnv } from '../../../shared/arm';

describe('ASR_SUBSCRIPTIONS: the subscriptions a deployment serves', () => {
  it('reads a comma-separated list, lower case, spaces allowed', () => {
    expect(servedSubscriptionsFromEnv({ ASR_SUBSCRIPTIONS: ' 0B5D7C3E-1111-4222-8333-444455556666 , 00000000-0000-0000-0000-0000000000aa' }))
      .toEqual(['0b5d7c3e-1111-4222-8333-444455556666', '00000000-0000-0000-0000-0000000000aa']);
  });

  it('defaults to the CLI\'s subscription in local mode only', () => {
    expect(servedSubscriptionsFromEnv({ ASR_AUTH_MODE: 'local' })).toEqual([LOCAL_SUBSCRIPTION_ID]);
    expect(() => servedSubscriptionsFromEnv({ ASR_AUTH_MODE: 'entra' })).toThrow(expect.objectContaining({ code: 'InvalidConfiguration', message: expect.stringContaining('ASR_SUBSCRIPTIONS') }));
    expect(() => servedSubscriptionsFromEnv({})).toThrow(expect.objectContaining({ code: 'InvalidConfiguration' }));
  });

  it('refuses an entry that is not a subscription id', () => {
    expect(() => servedSubscriptionsFromEnv({ ASR_SUBSCRIPTIONS: 'my-sub' })).toThrow(expect.objectContaining({ code: 'InvalidConfiguration', message: expect.stringContaining("'my-sub'") }));
  });
});
