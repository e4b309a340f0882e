import type { Server } from 'node:http';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { freePort } from './ports';

/** The Cosmos DB emulator's well-known key (public, documented by Microsoft); the test server accepts any key. */
export const COSMOS_DEV_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DLjf2eXhxY6A1e9Ylc3A8lDnB4z/2hxKlQT4h+PW4ipB4Q==';

export interface TestCosmos {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts `@vercel/cosmosdb-server` in this process on a free loopback port, over plain HTTP.
 * Real Cosmos REST protocol behind the real `@azure/cosmos` SDK; data lives in memory.
 */
export async function startTestCosmos(): Promise<TestCosmos> {
  const port = await freePort();
  const server: Server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: COSMOS_DEV_KEY,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
