import { FunctionHost } from './FunctionHost';
import { HostLogger } from './core/HostLogger';
import { TriggerKind } from './core/HostContext';
import { BlobTriggerKind } from './triggers/BlobTriggerKind';
import { QueueTriggerKind } from './triggers/QueueTriggerKind';
import { TimerTriggerKind } from './triggers/TimerTriggerKind';
import { DurableTriggerKind } from './durable/DurableTriggerKind';

export interface LocalHostOptions {
  appDir: string;
  port: number;
  dataDir: string;
  storage?: string;
  cosmosEndpoint?: string;
  logger: HostLogger;
}

export interface RunningLocalHost {
  host: FunctionHost;
  baseUrl: string;
  stop(): Promise<void>;
}

/** The trigger kinds funclocal offers beyond HTTP. */
export function defaultTriggerKinds(): TriggerKind[] {
  return [new BlobTriggerKind(), new TimerTriggerKind(), new QueueTriggerKind(), new DurableTriggerKind()];
}

/**
 * `funclocal start`: uses the given storage, or (later) launches the emulators process, then
 * runs the app's host.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const settings: Record<string, string> = {};
  if (options.cosmosEndpoint) settings.COSMOS_ENDPOINT = options.cosmosEndpoint;
  const host = new FunctionHost({
    appDir: options.appDir, port: options.port, storageConnectionString: options.storage,
    logger: options.logger, kinds: defaultTriggerKinds(), settings,
  });
  const ctx = await host.start();
  return { host, baseUrl: ctx.baseUrl(), stop: () => host.stop() };
}
