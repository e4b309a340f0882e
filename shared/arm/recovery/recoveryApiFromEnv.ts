import { ensureMetadataStore, metadataStoreConfigFromEnv, type MetadataStore } from '../../metadata';
import { DiskExporter } from '../../recovery/service/DiskExporter';
import { KeyWrapper } from '../../recovery/jobs/KeyWrapper';
import { replicationDepsFromEnv } from '../../replication';
import type { OrchestrationControl } from '../../recovery/service/OrchestrationControl';
import { RecoveryJobService } from '../../recovery/service/RecoveryJobService';
import { recoveryJobSettingsFromEnv, type RecoveryJobSettings } from '../../recovery/service/RecoveryJobSettings';
import { authConfigFromEnv, TokenVerifier } from '../../security';
import { ArmApi } from '../ArmApi';
import { servedSubscriptionsFromEnv } from '../servedSubscriptions';
import { recoveryRoutes } from './recoveryRoutes';
import { ReplicationRepairs } from '../../recovery/service/ReplicationRepairs';
import { repairRoutes } from './repairRoutes';
import { recoveryResourceGroupFromEnv } from '../recoveryResourceGroupFromEnv';

interface RecoveryApiBase {
  store: MetadataStore;
  verifier: TokenVerifier;
  keys: KeyWrapper;
  settings: RecoveryJobSettings;
  subscriptions: string[];
}

let base: Promise<RecoveryApiBase> | undefined;

/**
 * The API with the Recovery routes, for one request: store, verifier and key wrapper are built
 * once per process; the routes are bound to this request's Durable client. A failed start is
 * forgotten so the next request tries again.
 */
export async function recoveryApiFromEnv(orchestrations: OrchestrationControl, env: NodeJS.ProcessEnv = process.env): Promise<ArmApi> {
  base ??= (async () => ({
    store: await ensureMetadataStore(metadataStoreConfigFromEnv(env)),
    verifier: await TokenVerifier.fromConfig(authConfigFromEnv(env)),
    keys: KeyWrapper.fromEnv(env),
    settings: recoveryJobSettingsFromEnv(env),
    subscriptions: servedSubscriptionsFromEnv(env),
  }))();
  base.catch(() => { base = undefined; });
  const b = await base;
  const service = new RecoveryJobService(b.store, orchestrations, b.keys, b.settings);
  const exporter = async () => new DiskExporter(await replicationDepsFromEnv(env));
  const repairs = async () => new ReplicationRepairs(await replicationDepsFromEnv(env));
  return new ArmApi({ store: b.store, verifier: b.verifier, pageSize: env.ASR_PAGE_SIZE ? Number(env.ASR_PAGE_SIZE) : undefined, extraRoutes: [...recoveryRoutes(service, exporter), ...repairRoutes(repairs)], subscriptions: b.subscriptions, recoveryResourceGroup: recoveryResourceGroupFromEnv(env) });
}
