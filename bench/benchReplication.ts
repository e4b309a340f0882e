import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { ensureMetadataStore } from '../shared/metadata';
import {
  CosmosRecoveryPointRecorder, cosmosRecoveryPointDeleter, MetadataHealthReporter, MetadataReplicationSettings, metadataReplicaLocator, REPLICA_CONTAINERS, type ReplicationDeps,
} from '../shared/replication';

/**
 * The replication side a bench uses in-process to seed replicas before its clock starts: the
 * replica containers (and `extraContainers`) created, the metadata store, and the merge's deps
 * over the emulators' storage and Cosmos DB.
 */
export async function benchReplication(s: { storageConnectionString: string; cosmosEndpoint: string; cosmosKey: string }, databaseId: string, extraContainers: string[] = []) {
  const blobs = BlobServiceClient.fromConnectionString(s.storageConnectionString);
  for (const c of [...Object.values(REPLICA_CONTAINERS), ...extraContainers]) await blobs.getContainerClient(c).createIfNotExists();
  const store = await ensureMetadataStore({ endpoint: s.cosmosEndpoint, key: s.cosmosKey, databaseId, jobTtlSeconds: 86400, auditTtlSeconds: 86400 });
  const locate = metadataReplicaLocator(store);
  const cosmos = new CosmosClient({ endpoint: s.cosmosEndpoint, key: s.cosmosKey, connectionPolicy: { enableEndpointDiscovery: false } });
  const deps: ReplicationDeps = {
    blobs, recorder: new CosmosRecoveryPointRecorder(store, locate, cosmosRecoveryPointDeleter(cosmos.database(databaseId))),
    health: new MetadataHealthReporter(store, locate), settings: new MetadataReplicationSettings(store, locate),
  };
  return { blobs, store, locate, deps };
}
