/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The Cosmos DB emulator's well-known key (public, documented by Microsoft). */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

/** How the app and tests reach the running emulators. */
export interface EmulatorSettings {
  /** For `AzureWebJobsStorage` and the storage SDKs' `fromConnectionString`. */
  storageConnectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** `http://host:port/` for `new CosmosClient({ endpoint, key })`. */
  cosmosEndpoint: string;
  cosmosKey: string;
}

/** Builds the settings for emulators listening on `host` at the given ports. */
export function emulatorSettings(host: string, ports: { blob: number; queue: number; table: number; cosmos: number }):
EmulatorSettings {
  const blobEndpoint = `http://${host}:${ports.blob}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `http://${host}:${ports.queue}/${AZURITE_ACCOUNT}`;
  const tableEndpoint = `http://${host}:${ports.table}/${AZURITE_ACCOUNT}`;
  return {
    storageConnectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};`
      + `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    blobEndpoint, queueEndpoint, tableEndpoint,
    cosmosEndpoint: `http://${host}:${ports.cosmos}/`,
    cosmosKey: COSMOS_EMULATOR_KEY,
  };
}
