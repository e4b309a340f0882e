import type { MetadataStore } from '../metadata';
import { replicationDepsFromEnv } from '../replication';
import { KeyWrapper } from './jobs/KeyWrapper';
import { DiskExporter } from './service/DiskExporter';
import type { OrchestrationControl } from './service/OrchestrationControl';
import { RecoveryJobService } from './service/RecoveryJobService';
import { recoveryJobSettingsFromEnv, type RecoveryJobSettings } from './service/RecoveryJobSettings';
import { ReplicationRepairs } from './service/ReplicationRepairs';

/** What the API's Recovery routes call: jobs over this request's orchestrations, disk exports, replication repairs. */
export interface RecoveryServices {
  jobs: RecoveryJobService;
  /** Built on first use: only the export route needs the replica storage. */
  exporter: () => Promise<DiskExporter>;
  repairs: () => Promise<ReplicationRepairs>;
}

let base: { keys: KeyWrapper; settings: RecoveryJobSettings } | undefined;

/**
 * The Recovery services for one request, bound to its Durable client: the key wrapper
 * (`RECOVERY_KEY_WRAP_SECRET`) and job settings (`RECOVERY_*`) are read once per process (a
 * failed read is not kept), the replica storage (`replicationDepsFromEnv`) when an export or a
 * repair first needs it.
 */
export function recoveryServicesFromEnv(store: MetadataStore, orchestrations: OrchestrationControl, env: NodeJS.ProcessEnv = process.env): RecoveryServices {
  base ??= { keys: KeyWrapper.fromEnv(env), settings: recoveryJobSettingsFromEnv(env) };
  return {
    jobs: new RecoveryJobService(store, orchestrations, base.keys, base.settings),
    exporter: async () => new DiskExporter(await replicationDepsFromEnv(env)),
    repairs: async () => new ReplicationRepairs(await replicationDepsFromEnv(env)),
  };
}
