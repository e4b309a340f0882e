import { BlobServiceClient } from '@azure/storage-blob';
import { createCosmosClient, metadataStoreConfigFromEnv } from '../metadata';
import type { HealthProbe } from './HealthReport';

/**
 * The app's components, each checked for real: blob storage answers a service-properties call
 * (replicas and logs live there), Cosmos DB answers an account read (the vault's metadata),
 * and the host is up if this code runs at all.
 */
export function appHealthProbes(env: NodeJS.ProcessEnv = process.env): Record<string, HealthProbe> {
  return {
    host: async () => undefined,
    blobStorage: async () => {
      const conn = env.AzureWebJobsStorage;
      if (!conn) throw new Error('AzureWebJobsStorage is not set');
      await BlobServiceClient.fromConnectionString(conn).getProperties();
    },
    cosmosDb: async () => {
      const client = createCosmosClient(metadataStoreConfigFromEnv(env));
      try {
        await client.getDatabaseAccount();
      } finally {
        client.dispose();
      }
    },
  };
}
