import type { ContainerRequest, CosmosClient } from '@azure/cosmos';
import { createCosmosClient } from './createCosmosClient';
import { CosmosMetadataStore } from './CosmosMetadataStore';
import type { MetadataStore } from './MetadataStore';
import { DEFAULT_ALERT_TRIGGER_TTL_SECONDS, DEFAULT_EVENT_TTL_SECONDS, METADATA_CONTAINERS, type MetadataStoreConfig } from './MetadataStoreConfig';
import { translateCosmosError } from './cosmosErrors';

/**
 * Creates the database and its containers if they are missing (safe to call at every start,
 * from many instances at once) and returns a store over them.
 */
export async function ensureMetadataStore(config: MetadataStoreConfig, client?: CosmosClient): Promise<MetadataStore> {
  const cosmos = client ?? createCosmosClient(config);
  try {
    await existing(cosmos.databases.createIfNotExists({ id: config.databaseId }));
    const database = cosmos.database(config.databaseId);
    const container = (def: ContainerRequest) => existing(database.containers.createIfNotExists(def));
    const byVault = { paths: ['/vaultKey'] };
    await container({ id: METADATA_CONTAINERS.vaults, partitionKey: { paths: ['/subscriptionId'] } });
    await container({ id: METADATA_CONTAINERS.resources, partitionKey: byVault });
    // -1: TTL on, no default; each recovery point carries its own `ttl` (its policy's retention).
    await container({ id: METADATA_CONTAINERS.recoveryPoints, partitionKey: byVault, defaultTtl: -1 });
    await container({ id: METADATA_CONTAINERS.jobs, partitionKey: byVault, defaultTtl: config.jobTtlSeconds });
    await container({ id: METADATA_CONTAINERS.jobTasks, partitionKey: byVault, defaultTtl: config.jobTtlSeconds });
    await container({ id: METADATA_CONTAINERS.audit, partitionKey: byVault, defaultTtl: config.auditTtlSeconds });
    await container({ id: METADATA_CONTAINERS.events, partitionKey: byVault, defaultTtl: config.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS });
    await container({ id: METADATA_CONTAINERS.alertTriggers, partitionKey: byVault, defaultTtl: config.alertTriggerTtlSeconds ?? DEFAULT_ALERT_TRIGGER_TTL_SECONDS });
    return new CosmosMetadataStore(database);
  } catch (err) {
    throw translateCosmosError(err, `metadata database '${config.databaseId}' at ${config.endpoint}`);
  }
}

/**
 * `createIfNotExists` reads, then creates: two starts at once on a fresh account (an HTTP call
 * and a timer) can both miss, and the later create answers 409. Then it exists, which is all we want.
 */
async function existing(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
