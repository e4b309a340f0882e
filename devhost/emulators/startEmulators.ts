import { CosmosRecoveryStats } from './CosmosDataDir';
import { startCosmosServer } from './CosmosServer';
import { openEmulatorDataDir } from './EmulatorDataDir';
import { EmulatorSettings, emulatorSettings } from './EmulatorSettings';
import { startServiceBusStandIn } from './serviceBus/ServiceBusStandIn';
import { startAzuriteThreads } from './startAzuriteThreads';
import { loadServiceBusStandInConfig } from './serviceBus/serviceBusStandInConfig';

export interface StartEmulatorsOptions {
  /** Where data survives restarts (`azurite/`, `cosmos/`); in memory only when undefined. */
  dataDir?: string;
  /** Loopback by default. */
  host?: string;
  /** Defaults are the well-known emulator ports 10000, 10001, 10002, 8081; 0 picks a free port. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  cosmosPort?: number;
  /** The Service Bus stand-in's AMQP port (5672 by default). */
  serviceBusPort?: number;
  /** A JSON file declaring the stand-in's queues and topics (docs/emulators.md); `asr-events`/`all` otherwise. */
  serviceBusConfig?: string;
  /** Compact the Cosmos journal while running once it holds this many bytes (64 MiB). */
  cosmosCompactAtBytes?: number;
  /** Receives human-readable progress lines. */
  log?: (line: string) => void;
  /** Called when an Azurite worker thread dies while serving; by default the error is thrown (the process ends). */
  onCrash?: (err: Error) => void;
}

export interface RunningEmulators {
  settings: EmulatorSettings;
  /** What the Cosmos journal recovery found (undefined in memory-only mode). */
  cosmosRecovery?: CosmosRecoveryStats;
  stop(): Promise<void>;
}

/**
 * Starts Azurite (blob, queue, table; in worker threads, see startAzuriteThreads) and the
 * durable Cosmos server in this process. Cosmos replays its journal before its port opens, so
 * once this resolves every earlier acknowledged Cosmos write is readable.
 */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const dirs = options.dataDir ? await openEmulatorDataDir(options.dataDir) : undefined;
  try {
    const cosmos = await startCosmosServer({
      host, port: options.cosmosPort ?? 8081, dataDir: dirs?.cosmos, log,
      compactAtBytes: options.cosmosCompactAtBytes });
    if (cosmos.recovery) {
      const r = cosmos.recovery;
      log(`cosmos: replayed ${r.snapshotRecords} snapshot + ${r.journalRecords} journal records in ${r.replayMs} ms`
        + `${r.tornTail ? ' (dropped a torn, unacknowledged tail)' : ''}; compacted in ${r.compactMs} ms`);
    }
    log(`cosmos: listening at ${cosmos.endpoint}${dirs ? ` (journal in ${dirs.cosmos})` : ' (in memory only)'}`);
    let azurite;
    try {
      azurite = await startAzuriteThreads({
        host, blobPort: options.blobPort ?? 10000, queuePort: options.queuePort ?? 10001,
        tablePort: options.tablePort ?? 10002, location: dirs?.azurite,
      }, options.onCrash ?? ((err) => setImmediate(() => { throw err; })));
    } catch (err) {
      await cosmos.stop();
      throw err;
    }
    let serviceBus;
    try {
      serviceBus = await startServiceBusStandIn({ host, port: options.serviceBusPort ?? 5672, config: loadServiceBusStandInConfig(options.serviceBusConfig) });
    } catch (err) {
      await Promise.allSettled([azurite.stop(), cosmos.stop()]);
      throw err;
    }
    const settings = emulatorSettings(host, {
      blob: azurite.ports.blob!, queue: azurite.ports.queue!, table: azurite.ports.table!, cosmos: cosmos.port, serviceBus: serviceBus.port });
    log(`azurite: blob ${settings.blobEndpoint}, queue ${settings.queueEndpoint}, table ${settings.tableEndpoint}`
      + `${dirs ? ` (data in ${dirs.azurite})` : ' (in memory only)'}`);
    log(`servicebus: STAND-IN (not Azure Service Bus; messages in memory only) at ${settings.serviceBusConnectionString}`);
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= (async () => {
      const results = await Promise.allSettled([azurite.stop(), cosmos.stop(), serviceBus.stop()]);
      await dirs?.release();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })());
    return { settings, cosmosRecovery: cosmos.recovery, stop };
  } catch (err) {
    await dirs?.release();
    throw err;
  }
}
