import { join } from 'node:path';
import { LOCAL_SUBSCRIPTION_ID } from '../../shared/config/localSubscription';

/** Where the CLI sends requests and whose vaults it addresses. */
export interface CliConfig {
  endpoint: string;
  subscriptionId: string;
  resourceGroup: string;
  /** `ASR_TOKEN`, if set. */
  token?: string;
  /** The local host's data directory (for the development issuer's key). */
  dataDir: string;
  devIssuerDir: string;
  /** `ASR_AUTH_ISSUER` / `ASR_AUTH_AUDIENCE`, when the local host overrides the development defaults. */
  devIssuerName?: string;
  audience?: string;
}

/**
 * Reads `ASR_ENDPOINT` (default http://localhost:7071), `ASR_SUBSCRIPTION` (all zeros),
 * `ASR_RESOURCE_GROUP` (`local`), `ASR_TOKEN`, `ASR_DATA_DIR` (`.data`), `ASR_DEV_ISSUER_DIR`,
 * and `ASR_AUTH_ISSUER` / `ASR_AUTH_AUDIENCE` (only if the local host changed them).
 */
export function cliConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const dataDir = env.ASR_DATA_DIR || '.data';
  return {
    endpoint: (env.ASR_ENDPOINT || 'http://localhost:7071').replace(/\/+$/, ''),
    subscriptionId: env.ASR_SUBSCRIPTION || LOCAL_SUBSCRIPTION_ID,
    resourceGroup: env.ASR_RESOURCE_GROUP || 'local',
    token: env.ASR_TOKEN || undefined,
    dataDir,
    devIssuerDir: env.ASR_DEV_ISSUER_DIR || join(dataDir, 'dev-issuer'),
    devIssuerName: env.ASR_AUTH_ISSUER || undefined,
    audience: env.ASR_AUTH_AUDIENCE || undefined,
  };
}

/** True for endpoints on this machine, the only ones a development token is minted for. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
