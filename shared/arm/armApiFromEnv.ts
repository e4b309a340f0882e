import { ensureMetadataStore, metadataStoreConfigFromEnv, type MetadataStore } from '../metadata';
import type { OrchestrationControl } from '../recovery/service/OrchestrationControl';
import { recoveryServicesFromEnv } from '../recovery/recoveryServicesFromEnv';
import { authConfigFromEnv, DevelopmentIssuer, TokenVerifier } from '../security';
import { ArmApi } from './ArmApi';
import type { ArmRoute } from './ArmRoute';
import { recoveryRoutes } from './recovery/recoveryRoutes';
import { repairRoutes } from './recovery/repairRoutes';
import { servedSubscriptionsFromEnv } from './servedSubscriptions';
import { recoveryResourceGroupFromEnv } from './recoveryResourceGroupFromEnv';
import { siteServicesFromEnv, type SiteServices } from '../sites';
import { siteRoutes } from './sites/siteRoutes';
import { drillRunNowRoute, drillRunRoutes } from './drills/drillRoutes';
import { DrillScheduler } from '../drills';
import { alertTriggerRoutes } from './alerts/alertRuleRoutes';
import { AlertRuleTrigger } from './alerts/AlertRuleTrigger';
import { reportRoutes } from './reportRoutes';
import { jobExporterFromEnv, type JobExporter } from '../reports';

interface ArmApiBase {
  store: MetadataStore;
  verifier: TokenVerifier;
  pageSize?: number;
  subscriptions: string[];
  recoveryResourceGroup: string;
  /** Routes served without a Durable client: the site routes and the drill history. */
  baseRoutes: ArmRoute[];
  development: boolean;
}

let base: Promise<ArmApiBase> | undefined;
let api: Promise<ArmApi> | undefined;

/** Store, verifier and settings, built once per process; a failed start is forgotten so the next request tries again (Cosmos DB may come up after the app). */
function armApiBase(env: NodeJS.ProcessEnv): Promise<ArmApiBase> {
  base ??= (async () => {
    const store = await ensureMetadataStore(metadataStoreConfigFromEnv(env));
    const verifier = await TokenVerifier.fromConfig(authConfigFromEnv(env));
    const pageSize = env.ASR_PAGE_SIZE ? Number(env.ASR_PAGE_SIZE) : undefined;
    let sites: SiteServices | undefined;
    return { store, verifier, pageSize, subscriptions: servedSubscriptionsFromEnv(env), recoveryResourceGroup: recoveryResourceGroupFromEnv(env), development: (env.ASR_AUTH_MODE || 'entra').toLowerCase() === 'local', baseRoutes: [...siteRoutes(async () => (sites ??= siteServicesFromEnv(store, env))), ...drillRunRoutes(), ...reportRoutes()] };
  })();
  base.catch(() => { base = undefined; });
  return base;
}

/**
 * The API, the one composition root of `ArmApi`, built from the environment (COSMOS_*,
 * ASR_AUTH_*, ASR_SUBSCRIPTIONS, ASR_PAGE_SIZE, ASR_RECOVERY_RESOURCE_GROUP): the database and containers are ensured once,
 * the verifier's key set is cached. Without `orchestrations` it serves the resources and the
 * site routes (one instance per process); with them, for one request, also the Recovery routes
 * (plan and item operations, operation results, jobs, exports, repairs, alert rule triggers) bound to that request's
 * Durable client (`shared/recovery/recoveryServicesFromEnv`).
 */
export async function armApiFromEnv(env: NodeJS.ProcessEnv = process.env, orchestrations?: OrchestrationControl): Promise<ArmApi> {
  if (!orchestrations) {
    api ??= armApiBase(env).then((b) => new ArmApi({ store: b.store, verifier: b.verifier, pageSize: b.pageSize, extraRoutes: b.baseRoutes, subscriptions: b.subscriptions, recoveryResourceGroup: b.recoveryResourceGroup, development: b.development }));
    api.catch(() => { api = undefined; });
    return api;
  }
  const b = await armApiBase(env);
  const recovery = recoveryServicesFromEnv(b.store, orchestrations, env);
  const drills = async () => new DrillScheduler(b.store, orchestrations);
  const exporter = async (): Promise<JobExporter> => jobExporterFromEnv(b.store, env);
  const routes = [...recoveryRoutes(recovery.jobs, recovery.exporter), ...repairRoutes(recovery.repairs), drillRunNowRoute(drills), ...alertTriggerRoutes(new AlertRuleTrigger(b.store, recovery.jobs, undefined, undefined, drills)), ...reportRoutes(exporter)];
  return new ArmApi({ store: b.store, verifier: b.verifier, pageSize: b.pageSize, extraRoutes: routes, subscriptions: b.subscriptions, recoveryResourceGroup: b.recoveryResourceGroup, development: b.development });
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
