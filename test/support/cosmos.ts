import { startCosmosServer } from '../../devhost/emulators/CosmosServer';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators/EmulatorSettings';

/** The Cosmos DB emulator's well-known key (public, documented by Microsoft); the test server accepts any key. */
export const COSMOS_DEV_KEY = COSMOS_EMULATOR_KEY;

export interface TestCosmos {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts the local Cosmos DB server that `npm start` runs (devhost/emulators/CosmosServer:
 * `@vercel/cosmosdb-server` with the item size limit, query plans and linear queries), in this
 * process on a free loopback port, over plain HTTP, data in memory. Real Cosmos REST protocol
 * behind the real `@azure/cosmos` SDK. Binds port 0 and reads the port back: no pick-then-bind
 * race with parallel suites.
 */
export async function startTestCosmos(): Promise<TestCosmos> {
  const server = await startCosmosServer({ host: '127.0.0.1', port: 0 });
  return { endpoint: server.endpoint.replace(/\/$/, ''), key: COSMOS_DEV_KEY, stop: () => server.stop() };
}
