import { CosmosClient } from '@azure/cosmos';
import type { MetadataStoreConfig } from './MetadataStoreConfig';

/** The one way the app builds its Cosmos DB client. */
export function createCosmosClient(config: Pick<MetadataStoreConfig, 'endpoint' | 'key'>): CosmosClient {
  return new CosmosClient({
    endpoint: config.endpoint,
    key: config.key,
    // One region, so discovery buys nothing; and the local emulator advertises https:// in its
    // account metadata, so with discovery on a plain-HTTP client would be sent to TLS and fail.
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}
