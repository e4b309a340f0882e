import { resolve } from 'node:path';
import { isProcessAlive } from '../shared/os/isProcessAlive';
import { FunctionHost } from './FunctionHost';
import { loadHostConfig, loadLocalSettings } from './core/HostConfig';
import { resolveAppEntryFiles } from './core/AppLoader';
import { HostLogger } from './core/HostLogger';
import { TriggerKind } from './core/HostContext';
import { DurableTriggerKind } from './durable/DurableTriggerKind';
import { COSMOS_EMULATOR_KEY, EmulatorSettings, findRunningEmulators } from './emulators';
import { launchEmulatorsForHost, logEmulatorEndpoints } from './emulators/launchEmulatorsForHost';
import { HostStartupError } from './core/HostStartupError';
import { BlobTriggerKind } from './triggers/BlobTriggerKind';
import { QueueTriggerKind } from './triggers/QueueTriggerKind';
import { ServiceBusTriggerKind } from './triggers/ServiceBusTriggerKind';
import { TimerTriggerKind } from './triggers/TimerTriggerKind';

export interface LocalHostOptions {
  appDir: string;
  port: number;
  dataDir: string;
  /** Use running storage instead of launching the emulators process. */
  storage?: string;
  /** Use a running Cosmos DB endpoint instead of launching the emulators process. */
  cosmosEndpoint?: string;
  cosmosKey?: string;
  /** Ports of a launched emulators process: the usual ones (default) or any free ones. */
  emulatorPorts?: 'default' | 'auto';
  logger: HostLogger;
}

export interface RunningLocalHost {
  host: FunctionHost;
  baseUrl: string;
  stop(): Promise<void>;
}

/** The trigger kinds funclocal offers beyond HTTP. */
export function defaultTriggerKinds(): TriggerKind[] {
  return [new BlobTriggerKind(), new TimerTriggerKind(), new QueueTriggerKind(), new ServiceBusTriggerKind(), new DurableTriggerKind()];
}

/**
 * `funclocal start`: storage and Cosmos DB run in their own process, as they are separate
 * services in Azure (a host crash must not take storage with it). With neither --storage nor
 * --cosmos that process is launched here (or a live one for the same data dir is adopted) and
 * stopped with the host; with either, the given services are used and nothing is launched.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  // Fail fast on a bad app folder, before launching anything.
  resolveAppEntryFiles(options.appDir);
  checkHostConfig(options.appDir);
  const settings: Record<string, string> = {};
  let storage = options.storage;
  let stopEmulators: (() => Promise<void>) | undefined;
  if (!options.storage && !options.cosmosEndpoint) {
    const dataDir = resolve(options.dataDir);
    let emulatorSettings: EmulatorSettings;
    const running = findRunningEmulators(dataDir);
    if (running) {
      // Left running by a host that was killed: adopt it, and stop it with this host.
      options.logger.log('information', `Reusing emulators process ${running.pid} (data in ${dataDir})`);
      emulatorSettings = running;
      stopEmulators = () => stopProcess(running.pid);
    } else {
      const emulators = await launchEmulatorsForHost(dataDir, options.emulatorPorts ?? 'default', options.logger);
      options.logger.log('information', `Emulators process ${emulators.pid} ready (data in ${dataDir})`);
      stopEmulators = () => emulators.stop();
      emulatorSettings = emulators.settings;
    }
    logEmulatorEndpoints(emulatorSettings, dataDir, options.logger);
    storage ??= emulatorSettings.storageConnectionString;
    settings.COSMOS_ENDPOINT = options.cosmosEndpoint ?? emulatorSettings.cosmosEndpoint;
    settings.COSMOS_KEY = options.cosmosKey ?? emulatorSettings.cosmosKey;
    // The Service Bus stand-in: the app's events topic, and the Service Bus bindings' default connection.
    if (emulatorSettings.serviceBusConnectionString) {
      settings.ASR_SERVICEBUS_CONNECTION = emulatorSettings.serviceBusConnectionString;
      settings.AzureWebJobsServiceBus = emulatorSettings.serviceBusConnectionString;
    }
  } else if (options.cosmosEndpoint) {
    // Given services are used as they are; what is not given stays unset (the app says so).
    settings.COSMOS_ENDPOINT = options.cosmosEndpoint;
    settings.COSMOS_KEY = options.cosmosKey ?? COSMOS_EMULATOR_KEY;
  }
  const host = new FunctionHost({
    appDir: options.appDir, port: options.port, storageConnectionString: storage,
    logger: options.logger, kinds: defaultTriggerKinds(), settings,
  });
  try {
    const ctx = await host.start().catch((err: unknown) => {
      throw hostPortTaken(err, options.port) ?? err;
    });
    return {
      host,
      baseUrl: ctx.baseUrl(),
      stop: async () => {
        await host.stop();
        await stopEmulators?.();
      },
    };
  } catch (e) {
    await stopEmulators?.();
    throw e;
  }
}

/**
 * host.json checked against local.settings.json and the environment, plus the settings this
 * host defines itself once storage is up (so `%AzureWebJobsStorage%` is not refused early).
 */
function checkHostConfig(appDir: string): void {
  const dir = resolve(appDir);
  const hostDefined = { AzureWebJobsStorage: '', COSMOS_ENDPOINT: '', COSMOS_KEY: '' };
  loadHostConfig(dir, { ...hostDefined, ...loadLocalSettings(dir), ...process.env });
}

/** The host's own port taken: say exactly what to run instead. */
function hostPortTaken(err: unknown, port: number): HostStartupError | undefined {
  if ((err as NodeJS.ErrnoException)?.code !== 'EADDRINUSE') return undefined;
  const next = port === 0 ? 0 : port + 1;
  return new HostStartupError(`Port ${port} is in use by another program (EADDRINUSE). Start on another port, e.g. ` +
    `'PORT=${next || 7072} npm start' (or 'funclocal start --port 0' for any free port), and point the CLI at it: ` +
    `ASR_ENDPOINT=http://localhost:${next || 7072}.`, { cause: err });
}

/** SIGTERM a process we did not spawn and wait (bounded) until it is gone. */
async function stopProcess(pid: number, timeoutMs = 15000): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
