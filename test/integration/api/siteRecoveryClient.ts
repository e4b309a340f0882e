import { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * The official ASR client pointed at a loopback endpoint. The SDK refuses bearer tokens over
 * plain HTTP, so its token policy is replaced by one that adds the given token as is.
 */
export function siteRecoveryClient(endpoint: string, subscriptionId: string, token: string | undefined): SiteRecoveryManagementClient {
  const credential = { getToken: async () => ({ token: token ?? '', expiresOnTimestamp: Date.now() + 3600_000 }) };
  const client = new SiteRecoveryManagementClient(credential, subscriptionId, {
    endpoint,
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  const addToken: PipelinePolicy = {
    name: 'testBearerToken',
    sendRequest: (request, next) => {
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return next(request);
    },
  };
  client.pipeline.addPolicy(addToken);
  return client;
}
