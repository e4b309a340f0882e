import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ServiceError } from '../../shared/errors';
import { installBlobEventFeed } from './azuriteBlobEvents';
import { azuriteLoki, installAzuriteBlobIndexes } from './azuriteBlobIndexes';
import { installAzuriteTemplateCache } from './azuriteTemplateCache';

export type AzuriteService = 'blob' | 'queue' | 'table';

export interface AzuriteOptions {
  host: string;
  /** Which servers to start; all three by default. */
  services?: AzuriteService[];
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Where Azurite keeps its LokiJS databases and extents; in memory when undefined. */
  location?: string;
}

export interface AzuriteServers {
  /** The port each started server listens on. */
  ports: Partial<Record<AzuriteService, number>>;
  stop(): Promise<void>;
}

/** The slice of Azurite's server classes used here (Azurite ships no typings). */
interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  httpServer: { address(): AddressInfo | string | null };
}
type ServerClass = new (config: unknown) => AzuriteServer;
type ConfigClass = new (...args: unknown[]) => unknown;

/* eslint-disable @typescript-eslint/no-require-imports */
const load = <T>(path: string): T => require(`azurite/dist/src/${path}`).default as T;

const KEEP_ALIVE_SECONDS = 5;

/** Azurite's own defaults for the persistence layout, with our location instead of its cwd. */
function persistence(location: string, folder: string) {
  return [{ locationId: 'Default', locationPath: join(location, folder), maxConcurrency: 1 }];
}

/**
 * Starts Azurite's blob, queue and table servers (or `services` of them) in this thread through Azurite's own
 * classes (what its CLI does), with telemetry never initialised, loose mode, no API version
 * check and no access log.
 */
export async function startAzurite(options: AzuriteOptions): Promise<AzuriteServers> {
  const memory = options.location === undefined;
  const loc = options.location ?? '';
  const { host } = options;
  // Blob lookups and deletes that cost what they touch, not the number of blobs (azuriteBlobIndexes).
  installAzuriteBlobIndexes(azuriteLoki());
  // Each operation's URI template compiled once, not once per request and operation (azuriteTemplateCache).
  installAzuriteTemplateCache();
  // Positional arguments as in Azurite 3.35's azurite.js: access log off, debug log off,
  // loose = true, skipApiVersionCheck = true, no cert/key/pwd/oauth, product-style URLs allowed.
  const create: Record<AzuriteService, () => AzuriteServer> = {
    blob: () => {
      const blob = new (load<ServerClass>('blob/BlobServer'))(new (load<ConfigClass>('blob/BlobConfiguration'))(
        host, options.blobPort, KEEP_ALIVE_SECONDS, join(loc, '__azurite_db_blob__.json'),
        join(loc, '__azurite_db_blob_extent__.json'), persistence(loc, '__blobstorage__'),
        false, undefined, false, undefined, true, true, '', '', '', undefined, false, memory));
      // BlobCreated events for funclocal's Event Grid-source blob triggers (an Event Grid stand-in),
      // kept in the thread that serves the blobs.
      installBlobEventFeed(blob as unknown as Parameters<typeof installBlobEventFeed>[0]);
      return blob;
    },
    queue: () => new (load<ServerClass>('queue/QueueServer'))(new (load<ConfigClass>('queue/QueueConfiguration'))(
      host, options.queuePort, KEEP_ALIVE_SECONDS, join(loc, '__azurite_db_queue__.json'),
      join(loc, '__azurite_db_queue_extent__.json'), persistence(loc, '__queuestorage__'),
      false, undefined, false, undefined, true, true, '', '', '', undefined, false, memory)),
    table: () => new (load<ServerClass>('table/TableServer'))(new (load<ConfigClass>('table/TableConfiguration'))(
      host, options.tablePort, KEEP_ALIVE_SECONDS, join(loc, '__azurite_db_table__.json'),
      false, false, undefined, undefined, true, true, '', '', '', undefined, false, memory)),
  };
  const portOption: Record<AzuriteService, number> = { blob: options.blobPort, queue: options.queuePort, table: options.tablePort };

  const started: AzuriteServer[] = [];
  const ports: Partial<Record<AzuriteService, number>> = {};
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s.close();
  };
  for (const name of options.services ?? ['blob', 'queue', 'table'] as const) {
    const server = create[name]();
    const port = portOption[name];
    try {
      await server.start();
      started.push(server);
      ports[name] = (server.httpServer.address() as AddressInfo).port;
    } catch (err) {
      await stop().catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      const details = { service: `azurite-${name}`, host, port };
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        const what = code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${code})`;
        throw new ServiceError('PortUnavailable',
          `azurite ${name} port ${host}:${port} ${what}; stop whatever holds it or choose another port`,
          { cause: err, details });
      }
      throw new ServiceError('EmulatorStartFailed',
        `azurite ${name} did not start: ${(err as Error).message}`, { cause: err, details });
    }
  }
  return { ports, stop };
}
