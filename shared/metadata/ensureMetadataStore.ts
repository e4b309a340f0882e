import type { CosmosClient } from '@azure/cosmos';
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
    const { database } = await cosmos.databases.createIfNotExists({ id: config.databaseId });
    const byVault = { paths: ['/vaultKey'] };
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.vaults, partitionKey: { paths: ['/subscriptionId'] } });
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.resources, partitionKey: byVault });
    // -1: TTL on, no default; each recovery point carries its own `ttl` (its policy's retention).
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.recoveryPoints, partitionKey: byVault, defaultTtl: -1 });
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.jobs, partitionKey: byVault, defaultTtl: config.jobTtlSeconds });
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.audit, partitionKey: byVault, defaultTtl: config.auditTtlSeconds });
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.events, partitionKey: byVault, defaultTtl: config.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS });
    await database.containers.createIfNotExists({ id: METADATA_CONTAINERS.alertTriggers, partitionKey: byVault, defaultTtl: config.alertTriggerTtlSeconds ?? DEFAULT_ALERT_TRIGGER_TTL_SECONDS });
    return new CosmosMetadataStore(database);
  } catch (err) {
    throw translateCosmosError(err, `metadata database '${config.databaseId}' at ${config.endpoint}`);
  }
}
