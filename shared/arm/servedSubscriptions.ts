import { ServiceError } from '../errors';
import { subscriptionIdSchema } from '../naming';
import { LOCAL_SUBSCRIPTION_ID } from '../config/localSubscription';

export { LOCAL_SUBSCRIPTION_ID };

/**
 * The subscriptions this deployment serves, lower case: `ASR_SUBSCRIPTIONS` (comma-separated
 * GUIDs). Unset, local mode serves {@link LOCAL_SUBSCRIPTION_ID}; Entra mode refuses to start,
 * because a token is only as narrow as the paths it is accepted on.
 */
export function servedSubscriptionsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = (env.ASR_SUBSCRIPTIONS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (raw.length === 0) {
    if ((env.ASR_AUTH_MODE || 'entra').toLowerCase() === 'local') return [LOCAL_SUBSCRIPTION_ID];
    throw new ServiceError('InvalidConfiguration', 'ASR_SUBSCRIPTIONS is not set: list the subscription ids this deployment serves, comma-separated');
  }
  for (const s of raw) {
    if (!subscriptionIdSchema.safeParse(s).success) {
      throw new ServiceError('InvalidConfiguration', `ASR_SUBSCRIPTIONS: '${s}' is not a subscription id (a GUID)`);
    }
  }
  return raw.map((s) => s.toLowerCase());
}
