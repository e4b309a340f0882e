import { BlobServiceClient } from '@azure/storage-blob';
import { automationSettingsFromEnv } from './AutomationSettings';
import { BlobUsedTokenLedger, USED_TOKEN_CONTAINER } from './BlobUsedTokenLedger';
import type { UsedTokenLedger } from './UsedTokenLedger';

let ledgers: { storage: string; ledger: UsedTokenLedger } | undefined;

/**
 * What the runbook callback endpoint needs, from the environment: the signing key
 * (`ASR_CALLBACK_SIGNING_KEY`, read on every call, `AutomationNotConfigured` when missing) and
 * the used-token ledger in the storage account of the replicas (`REPLICATION_STORAGE`, default
 * `AzureWebJobsStorage`), one per process.
 */
export async function runbookCallbackDepsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ key: Uint8Array; ledger: UsedTokenLedger }> {
  const settings = automationSettingsFromEnv(env);
  const storage = env.REPLICATION_STORAGE || env.AzureWebJobsStorage;
  if (!storage || storage === 'UseDevelopmentStorage=true') {
    throw new Error('set REPLICATION_STORAGE or AzureWebJobsStorage to the connection string of the replica storage account');
  }
  if (ledgers?.storage !== storage) {
    ledgers = { storage, ledger: new BlobUsedTokenLedger(BlobServiceClient.fromConnectionString(storage).getContainerClient(USED_TOKEN_CONTAINER)) };
  }
  return { key: settings.signingKey, ledger: ledgers.ledger };
}
