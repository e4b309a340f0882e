import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { CosmosRecoveryPointRecorder } from './CosmosRecoveryPointRecorder';
import { cosmosRecoveryPointDeleter } from './cosmosRecoveryPointDeleter';
import { MetadataHealthReporter } from './MetadataHealthReporter';
import { MetadataReplicationSettings } from './MetadataReplicationSettings';
import { REPLICA_CONTAINERS } from './ReplicaBlobLayout';
import { metadataReplicaLocator } from './ReplicaLocator';
import { ReplicationDeps } from './ReplicationDeps';

let cached: { key: string; deps: Promise<ReplicationDeps> } | undefined;

/**
 * The engine's dependencies for this process, built once from the environment:
 * `REPLICATION_STORAGE` (default `AzureWebJobsStorage`) for the blobs, and the metadata store's
 * `COSMOS_ENDPOINT`, `COSMOS_KEY`, `COSMOS_DATABASE`. Creates the four containers if missing.
 * A failed build is not cached, so the next invocation tries again.
 */
export function replicationDepsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ReplicationDeps> {
  const storage = env.REPLICATION_STORAGE || env.AzureWebJobsStorage;
  const key = `${storage}|${env.COSMOS_ENDPOINT}|${env.COSMOS_DATABASE}`;
  if (cached?.key === key) return cached.deps;
  const deps = build(storage, env);
  cached = { key, deps };
  deps.catch(() => {
    if (cached?.deps === deps) cached = undefined;
  });
  return deps;
}

async function build(storage: string | undefined, env: NodeJS.ProcessEnv): Promise<ReplicationDeps> {
  if (!storage || storage === 'UseDevelopmentStorage=true') {
    throw new Error('set REPLICATION_STORAGE or AzureWebJobsStorage to the connection string of the replica storage account');
  }
  const blobs = BlobServiceClient.fromConnectionString(storage);
  await Promise.all(Object.values(REPLICA_CONTAINERS).map((c) => blobs.getContainerClient(c).createIfNotExists()));
  const config = metadataStoreConfigFromEnv(env);
  const store = await ensureMetadataStore(config);
  const cosmos = new CosmosClient({ endpoint: config.endpoint, key: config.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const locate = metadataReplicaLocator(store);
  return {
    blobs,
    recorder: new CosmosRecoveryPointRecorder(store, locate, cosmosRecoveryPointDeleter(cosmos.database(config.databaseId))),
    health: new MetadataHealthReporter(store, locate),
    settings: new MetadataReplicationSettings(store, locate),
  };
}
