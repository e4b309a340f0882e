import { IncomingMessage, ServerResponse } from 'node:http';
import { FunctionInvoker } from './FunctionInvoker';
import { FunctionRegistration } from './FunctionRegistration';
import { HostConfig } from './HostConfig';
import { HostLogger } from './HostLogger';

/** A raw HTTP handler mounted by an extension (e.g. the Durable webhooks). */
export type RawHttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** What the host offers every trigger kind: one storage layer, one HTTP server, one invoker. */
export interface HostContext {
  appDir: string;
  config: HostConfig;
  /** App settings (process.env after local.settings.json was applied). */
  settings: NodeJS.ProcessEnv;
  /** Connection string of the storage account the host itself uses (AzureWebJobsStorage). */
  storageConnectionString: string;
  /** Stable id of this host, for receipts and timer status blobs (as Azure's host id). */
  hostId: string;
  logger: HostLogger;
  invoker: FunctionInvoker;
  /** Mounts a raw handler for every path under `prefix` (checked before function routes). */
  mountHttp(prefix: string, handler: RawHttpHandler): void;
  /** `http://localhost:<port>` once the server listens. */
  baseUrl(): string;
  /**
   * The app's HTTP stream proxy (the `HttpUri` capability of `app.setup({ enableHttpStream:
   * true })`): HTTP triggers are forwarded there instead of being passed as RpcHttp.
   */
  httpStreamUri?: string;
  /** Resolves a binding's connection setting name (e.g. "AzureWebJobsStorage") to a connection string. */
  connectionString(settingName?: string): string;
}

/**
 * One family of triggers (HTTP, blob, timer, queue, Durable...). The host gives each kind the
 * registrations whose trigger type it declares; a registration no kind claims is in error.
 */
export interface TriggerKind {
  readonly name: string;
  /** Trigger binding types this kind fires, lower-case (e.g. `blobtrigger`). */
  readonly triggerTypes: readonly string[];
  /** Non-trigger binding types this kind supplies or consumes (e.g. `http`, `durableclient`). */
  readonly bindingTypes?: readonly string[];
  /**
   * Checks one registration's trigger (schedule, path, queue name, connection): throws with a
   * one-line reason when it cannot be set up. The host then puts that function alone in error,
   * as the Functions host does with a function that fails indexing, and starts the rest.
   */
  check?(fn: FunctionRegistration, host: HostContext): void;
  /** Starts the checked registrations (a throw puts this kind's functions in error). */
  start(functions: FunctionRegistration[], host: HostContext): Promise<void>;
  /** Stops taking new work and waits for running invocations (bounded). */
  stop(): Promise<void>;
}
