import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { azuriteConnectionString } from '../config/developmentStorage';
import { ServiceError } from '../errors';

/** Azurite's development account on its default blob port. */
const LOCAL_DEVELOPMENT_STORAGE = azuriteConnectionString('127.0.0.1', { blob: 10000 });

/**
 * A blob client for the agent: the SDK retries briefly (3 tries, 0.5-5 s), because the agent's
 * own loop backs off and retries whole cycles; long SDK retries would only hide an outage.
 */
export function agentBlobService(connectionString: string): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(connectionString, {
    retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5000, tryTimeoutInMs: 120_000 },
  });
}

/**
 * The replica storage account the agent uploads logs to: `ASR_STORAGE_CONNECTION_STRING`
 * (an account key or a SAS connection string: `BlobEndpoint=…;SharedAccessSignature=…`, which
 * needs create+write on `hrl` and read on `vhds` and `agent-control`); when unset and the API
 * endpoint is on this machine, the local emulators' Azurite account: the one the emulators
 * process recorded in `<ASR_DATA_DIR>/emulators.json` (it may run on other ports), else the
 * default ports.
 */
export function agentStorageFromEnv(apiEndpoint: string, env: NodeJS.ProcessEnv = process.env): BlobServiceClient {
  const configured = env.ASR_STORAGE_CONNECTION_STRING;
  if (configured) return agentBlobService(configured);
  const host = new URL(apiEndpoint).hostname;
  if (host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host)) {
    return agentBlobService(recordedEmulatorStorage(env.ASR_DATA_DIR || '.data') ?? LOCAL_DEVELOPMENT_STORAGE);
  }
  throw new ServiceError('StorageNotConfigured', `set ASR_STORAGE_CONNECTION_STRING to the replica storage account's connection string (or a SAS connection string) for ${apiEndpoint}`);
}

/** The storage connection string a local emulators process wrote into its data directory. */
function recordedEmulatorStorage(dataDir: string): string | undefined {
  try {
    const recorded = JSON.parse(readFileSync(join(dataDir, 'emulators.json'), 'utf8')) as { storageConnectionString?: unknown };
    return typeof recorded.storageConnectionString === 'string' ? recorded.storageConnectionString : undefined;
  } catch {
    return undefined;
  }
}
