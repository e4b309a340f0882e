import { automationSettingsFromEnv } from '../automation';
import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { targetFabricFromEnv } from '../fabric';
import { replicationDepsFromEnv } from '../replication';
import type { RecoveryDeps } from './activities/createRecoveryActivities';
import { KeyWrapper } from './jobs/KeyWrapper';
import type { RunbookStarter } from '../automation/RunbookStarter';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../contracts/SourceShutdownRequests';
import { WebhookRunbookStarter } from '../automation/WebhookRunbookStarter';

let cached: Promise<RecoveryDeps> | undefined;

/** Runbooks fail their step with the configuration error, not the whole host, when Automation is not set up. */
function runbooksFromEnv(env: NodeJS.ProcessEnv): RunbookStarter {
  try {
    return new WebhookRunbookStarter(automationSettingsFromEnv(env));
  } catch (err) {
    return { start: async () => { throw err; } };
  }
}

/**
 * The activities' dependencies for this process, built once from the environment: the metadata
 * store (COSMOS_*), the replica storage and merge engine (REPLICATION_STORAGE or
 * AzureWebJobsStorage), the target fabric (`targetFabricFromEnv`: ASR_TARGET_FABRIC local or azure), the key
 * wrapper (RECOVERY_KEY_WRAP_SECRET) and runbook webhooks (ASR_CALLBACK_SIGNING_KEY,
 * ASR_PUBLIC_BASE_URL, ASR_RUNBOOK_WEBHOOKS). A failed build is not cached.
 */
export function recoveryDepsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RecoveryDeps> {
  cached ??= (async () => {
    const replication = await replicationDepsFromEnv(env);
    const store = await ensureMetadataStore(metadataStoreConfigFromEnv(env));
    return {
      store,
      replication,
      fabric: targetFabricFromEnv({ blobs: replication.blobs }, env),
      keys: KeyWrapper.fromEnv(env),
      shutdowns: new SourceShutdownRequests(replication.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER)),
      runbooks: runbooksFromEnv(env),
    };
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
