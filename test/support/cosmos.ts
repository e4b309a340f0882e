import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators/EmulatorSettings';

/** The Cosmos DB emulator's well-known key (public, documented by Microsoft); the test server accepts any key. */
export const COSMOS_DEV_KEY = COSMOS_EMULATOR_KEY;

export interface TestCosmos {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts `@vercel/cosmosdb-server` in this process on a free loopback port, over plain HTTP.
 * Real Cosmos REST protocol behind the real `@azure/cosmos` SDK; data lives in memory. Binds
 * port 0 and reads the port back: no pick-then-bind race with parallel suites.
 */
export async function startTestCosmos(): Promise<TestCosmos> {
  const server: Server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: COSMOS_DEV_KEY,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
