import type { CosmosClient } from '@azure/cosmos';
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
      await cosmosClientFor(env).getDatabaseAccount();
    },
  };
}

/** One client per endpoint for the process: health is probed often, and a new client costs a metadata round trip. */
const cosmosClients = new Map<string, CosmosClient>();

function cosmosClientFor(env: NodeJS.ProcessEnv): CosmosClient {
  const config = metadataStoreConfigFromEnv(env);
  let client = cosmosClients.get(config.endpoint);
  if (!client) {
    client = createCosmosClient(config);
    cosmosClients.set(config.endpoint, client);
  }
  return client;
}
