import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import type { MetadataStore } from '../metadata';
import { accountKeySigner, userDelegationSigner, type BlobUrlSigner } from './BlobUrlSigner';
import { SiteLogUploads } from './SiteLogUploads';
import { SiteRegistry } from './SiteRegistry';
import { siteSettingsFromEnv, type SiteSettings } from './SiteSettings';

/** Everything the site routes need. */
export interface SiteServices {
  registry: SiteRegistry;
  uploads: SiteLogUploads;
  settings: SiteSettings;
}

/**
 * The signer the configuration asks for (see {@link SiteSettings.signing}). A user delegation
 * key comes only to an identity, so that signer gets its own client with the app's identity
 * (`DefaultAzureCredential`) on the same account, even when `blobs` uses a connection string.
 */
export function signerFor(blobs: BlobServiceClient, settings: SiteSettings, hasAccountKey: boolean, identityUrl?: string): BlobUrlSigner {
  const mode = settings.signing ?? (hasAccountKey ? 'accountKey' : 'userDelegation');
  if (mode === 'accountKey') return accountKeySigner(blobs);
  const url = identityUrl ?? blobs.url;
  return userDelegationSigner(blobs.credential instanceof StorageSharedKeyCredential || identityUrl ? new BlobServiceClient(url, new DefaultAzureCredential()) : blobs);
}

/**
 * Built from the environment: the replica account from `REPLICATION_STORAGE` or
 * `AzureWebJobsStorage` (a connection string), or `ASR_REPLICA_STORAGE_URL`
 * (`https://<account>.blob.core.windows.net`, reached with the app's identity).
 */
export function siteServicesFromEnv(store: MetadataStore, env: NodeJS.ProcessEnv = process.env): SiteServices {
  const settings = siteSettingsFromEnv(env);
  const connection = env.REPLICATION_STORAGE || env.AzureWebJobsStorage;
  let blobs: BlobServiceClient;
  let hasAccountKey = false;
  if (connection && connection !== 'UseDevelopmentStorage=true') {
    blobs = BlobServiceClient.fromConnectionString(connection);
    hasAccountKey = /(^|;)\s*AccountKey=/i.test(connection);
  } else if (env.ASR_REPLICA_STORAGE_URL) {
    blobs = new BlobServiceClient(env.ASR_REPLICA_STORAGE_URL, new DefaultAzureCredential());
  } else {
    throw new ServiceError('InvalidConfiguration', 'site upload URLs need the replica storage account: set REPLICATION_STORAGE / AzureWebJobsStorage or ASR_REPLICA_STORAGE_URL');
  }
  const registry = new SiteRegistry(store);
  return { registry, settings, uploads: new SiteLogUploads(store, blobs, signerFor(blobs, settings, hasAccountKey, env.ASR_REPLICA_STORAGE_URL || undefined), settings) };
}
