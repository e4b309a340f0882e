import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { ensureMetadataStore, metadataStoreConfigFromEnv } from '../metadata';
import { CosmosRecoveryPointRecorder } from './adapters/CosmosRecoveryPointRecorder';
import { cosmosRecoveryPointDeleter } from './adapters/cosmosRecoveryPointDeleter';
import { MetadataHealthReporter } from './adapters/MetadataHealthReporter';
import { MetadataReplicationSettings } from './adapters/MetadataReplicationSettings';
import { REPLICA_CONTAINERS } from '../contracts/ReplicaBlobLayout';
import { metadataReplicaLocator, rememberLocations } from './adapters/ReplicaLocator';
import { ReplicationDeps } from './core/ReplicationDeps';
import { ReplicationTuning } from './core/ReplicationTuning';
import { ReplicaStateCache } from './core/ReplicaStateCache';

/** How long a merge's recovery point records and progress reuse the item its settings read found, and merges reuse a policy read. */
const LOCATION_REUSE_MS = 10_000;

let cached: { key: string; deps: Promise<ReplicationDeps> } | undefined;

/**
 * The engine's dependencies for this process, built once from the environment:
 * `REPLICATION_STORAGE` (default `AzureWebJobsStorage`) for the blobs, and the metadata store's
 * `COSMOS_ENDPOINT`, `COSMOS_KEY`, `COSMOS_DATABASE`. Creates the four containers if missing.
 * Tuning (optional): `REPLICATION_LEASE_SECONDS`, `REPLICATION_PUT_CONCURRENCY`,
 * `REPLICATION_MAX_PUT_BYTES`, `REPLICATION_MAX_LOG_BYTES`.
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
  // The settings read of each merge round locates the item; its cut and prune reuse that (a few seconds at most).
  const locate = rememberLocations(metadataReplicaLocator(store), LOCATION_REUSE_MS);
  return {
    blobs,
    tuning: tuningFromEnv(env),
    recorder: new CosmosRecoveryPointRecorder(store, locate.recent, cosmosRecoveryPointDeleter(cosmos.database(config.databaseId))),
    // Merge progress is written over the item the round's settings read found (a 412 reads it again).
    health: new MetadataHealthReporter(store, locate.fresh, undefined, locate.recent),
    settings: new MetadataReplicationSettings(store, locate.fresh, LOCATION_REUSE_MS),
    replicaStates: new ReplicaStateCache(),
  };
}

function tuningFromEnv(env: NodeJS.ProcessEnv): Partial<ReplicationTuning> {
  const t: Partial<ReplicationTuning> = {};
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in ${min}..${max}, got ${v}`);
    return n;
  };
  const lease = num('REPLICATION_LEASE_SECONDS', 15, 60);
  if (lease !== undefined) t.leaseDurationSeconds = lease;
  const concurrency = num('REPLICATION_PUT_CONCURRENCY', 1, 64);
  if (concurrency !== undefined) t.putConcurrency = concurrency;
  const put = num('REPLICATION_MAX_PUT_BYTES', 512, 4 * 1024 * 1024);
  if (put !== undefined) t.maxPutBytes = put;
  const log = num('REPLICATION_MAX_LOG_BYTES', 1024, 4 * 1024 ** 3);
  if (log !== undefined) t.maxLogBytes = log;
  return t;
}
