import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { authConfigFromEnv, DevelopmentIssuer, TokenVerifier } from '../security';
import { ArmApi } from './ArmApi';
import type { ArmRoute } from './ArmRoute';
import { servedSubscriptionsFromEnv } from './servedSubscriptions';
import { recoveryResourceGroupFromEnv } from './recoveryResourceGroupFromEnv';
import { siteServicesFromEnv, type SiteServices } from '../sites';
import { siteRoutes } from './sites/siteRoutes';

let pending: Promise<ArmApi> | undefined;

/**
 * The process-wide API, built on first use from the environment (COSMOS_*, ASR_AUTH_*): the
 * database and containers are ensured once, the verifier's key set is cached, the served
 * subscriptions are read (ASR_SUBSCRIPTIONS). A failed start
 * is forgotten so the next request tries again (Cosmos DB may come up after the app).
 * `extraRoutes` (jobs, failover actions) are taken from the first call.
 */
export function armApiFromEnv(env: NodeJS.ProcessEnv = process.env, extraRoutes: ArmRoute[] = []): Promise<ArmApi> {
  pending ??= (async () => {
    const store = await ensureMetadataStore(metadataStoreConfigFromEnv(env));
    const verifier = await TokenVerifier.fromConfig(authConfigFromEnv(env));
    const pageSize = env.ASR_PAGE_SIZE ? Number(env.ASR_PAGE_SIZE) : undefined;
    let sites: SiteServices | undefined;
    const routes = [...siteRoutes(async () => (sites ??= siteServicesFromEnv(store, env))), ...extraRoutes];
    return new ArmApi({ store, verifier, pageSize, extraRoutes: routes, subscriptions: servedSubscriptionsFromEnv(env), recoveryResourceGroup: recoveryResourceGroupFromEnv(env) });
  })();
  pending.catch(() => { pending = undefined; });
  return pending;
}

/**
 * The development issuer's JWKS when `ASR_AUTH_MODE=local`, else undefined: in Entra mode the
 * keys come from Entra ID and this service publishes none.
 */
export async function developmentJwksFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<unknown | undefined> {
  // Decide on the mode alone: an app in Entra mode answers 404 here even if its Entra settings are incomplete.
  if ((env.ASR_AUTH_MODE || 'entra').toLowerCase() !== 'local') return undefined;
  const config = authConfigFromEnv(env);
  const issuer = await DevelopmentIssuer.open(config.devIssuerDir, { issuer: config.issuer, audience: config.audience });
  return issuer.jwks();
}
