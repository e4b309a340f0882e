/** Azurite's well-known development account (public, documented by Microsoft, the same in every Azurite). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The Cosmos DB emulator's well-known key (public, documented by Microsoft). */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

/** The endpoint of one Azurite service, e.g. `http://127.0.0.1:10000/devstoreaccount1`. */
export function azuriteEndpoint(host: string, port: number): string {
  return `http://${host}:${port}/${AZURITE_ACCOUNT}`;
}

/** A connection string to the development account of an Azurite on `host`, for the services given. */
export function azuriteConnectionString(host: string, ports: { blob: number; queue?: number; table?: number }): string {
  let s = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azuriteEndpoint(host, ports.blob)};`;
  if (ports.queue !== undefined) s += `QueueEndpoint=${azuriteEndpoint(host, ports.queue)};`;
  if (ports.table !== undefined) s += `TableEndpoint=${azuriteEndpoint(host, ports.table)};`;
  return s;
}
