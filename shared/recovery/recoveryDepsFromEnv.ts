import { automationSettingsFromEnv } from '../automation';
import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { FabricError, LocalFabric, type TargetFabric } from '../fabric';
import { replicationDepsFromEnv, type ReplicationDeps } from '../replication';
import type { RecoveryDeps } from './createRecoveryActivities';
import { KeyWrapper } from './KeyWrapper';
import type { RunbookStarter } from './RunbookStarter';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from './SourceShutdownRequests';
import { WebhookRunbookStarter } from './WebhookRunbookStarter';

let cached: Promise<RecoveryDeps> | undefined;

function fabricFromEnv(env: NodeJS.ProcessEnv, replication: ReplicationDeps): TargetFabric {
  const kind = (env.ASR_TARGET_FABRIC || 'local').toLowerCase();
  if (kind !== 'local') {
    throw new FabricError('FabricNotConfigured', `ASR_TARGET_FABRIC=${kind} is not wired into the recovery activities yet; use 'local'`);
  }
  const faults = (env.ASR_LOCAL_FABRIC_FAULT_FAIL_START ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return new LocalFabric({ blobs: replication.blobs, replication, faultFailStart: faults });
}

/** Runbooks fail their step with the configuration error, not the whole host, when Automation is not set up. */
function runbooksFromEnv(env: NodeJS.ProcessEnv): RunbookStarter {
  try {
    return new WebhookRunbookStarter(automationSettingsFromEnv(env), WebhookRunbookStarter.webhooksFromEnv(env));
  } catch (err) {
    return { start: async () => { throw err; } };
  }
}

/**
 * The activities' dependencies for this process, built once from the environment: the metadata
 * store (COSMOS_*), the replica storage and merge engine (REPLICATION_STORAGE or
 * AzureWebJobsStorage), the target fabric (ASR_TARGET_FABRIC, local by default), the key
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
      fabric: fabricFromEnv(env, replication),
      keys: KeyWrapper.fromEnv(env),
      shutdowns: new SourceShutdownRequests(replication.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER)),
      runbooks: runbooksFromEnv(env),
    };
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
