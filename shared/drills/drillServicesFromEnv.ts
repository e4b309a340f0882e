import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { recoveryServicesFromEnv } from '../recovery/recoveryServicesFromEnv';
import type { OrchestrationControl } from '../recovery/service/OrchestrationControl';
import { createDrillActivities, type DrillActivities, type DrillSettings } from './DrillRunner';
import { DrillScheduler } from './DrillScheduler';

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number of seconds > 0, not '${v}'`);
  return n;
}

/**
 * `DRILL_POLL_SECONDS` (1: each poll is one activity and one durable timer, cheap next to a drill,
 * and a 5 s poll added a mean 2.5 s to each of the two waits; bench/drill), `DRILL_MAX_TEST_FAILOVER_SECONDS` (7200).
 */
export function drillSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DrillSettings {
  return { pollSeconds: seconds(env, 'DRILL_POLL_SECONDS', 1), maxTestFailoverSeconds: seconds(env, 'DRILL_MAX_TEST_FAILOVER_SECONDS', 7200) };
}

/** The scheduler over this invocation's Durable client (COSMOS_* for the store). */
export async function drillSchedulerFromEnv(orchestrations: OrchestrationControl, log?: (message: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<DrillScheduler> {
  return new DrillScheduler(await ensureMetadataStore(metadataStoreConfigFromEnv(env)), orchestrations, log);
}

/** The drill activities over this invocation's Durable client: jobs start through the recovery job service. */
export async function drillActivitiesFromEnv(orchestrations: OrchestrationControl, env: NodeJS.ProcessEnv = process.env): Promise<DrillActivities> {
  const store = await ensureMetadataStore(metadataStoreConfigFromEnv(env));
  return createDrillActivities(store, recoveryServicesFromEnv(store, orchestrations, env).jobs, orchestrations, drillSettingsFromEnv(env));
}
