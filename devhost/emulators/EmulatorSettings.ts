import { standInConnectionString } from './serviceBus/ServiceBusStandIn';
import { azuriteConnectionString, azuriteEndpoint, COSMOS_EMULATOR_KEY } from '../../shared/config/developmentStorage';

export { AZURITE_ACCOUNT, AZURITE_KEY, COSMOS_EMULATOR_KEY } from '../../shared/config/developmentStorage';

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
  /** The Service Bus STAND-IN (in memory, devhost/emulators/serviceBus): for `new ServiceBusClient(...)`. */
  serviceBusConnectionString: string;
}

/** Builds the settings for emulators listening on `host` at the given ports. */
export function emulatorSettings(host: string, ports: { blob: number; queue: number; table: number; cosmos: number; serviceBus: number }):
EmulatorSettings {
  return {
    storageConnectionString: azuriteConnectionString(host, ports),
    blobEndpoint: azuriteEndpoint(host, ports.blob),
    queueEndpoint: azuriteEndpoint(host, ports.queue),
    tableEndpoint: azuriteEndpoint(host, ports.table),
    cosmosEndpoint: `http://${host}:${ports.cosmos}/`,
    cosmosKey: COSMOS_EMULATOR_KEY,
    serviceBusConnectionString: standInConnectionString(host, ports.serviceBus),
  };
}
