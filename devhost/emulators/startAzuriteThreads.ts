import type { AzuriteOptions, AzuriteServers, AzuriteService } from './AzuriteServers';
import { startAzuriteInWorker } from './startAzuriteInWorker';

/**
 * Azurite's servers by worker thread: blob apart from queue and table, and the Cosmos DB server
 * on the main thread, so that disk copies, Durable's queues and tables and Cosmos DB do not
 * wait for one another's event loop (issue 17: one thread held all four at 100 % of a core).
 */
const AZURITE_THREADS: AzuriteService[][] = [['blob'], ['queue', 'table']];

/** Starts each group of Azurite servers in its own worker thread, all at once; stops those started when one fails. */
export async function startAzuriteThreads(options: Omit<AzuriteOptions, 'services'>,
  onCrash: (err: Error) => void): Promise<AzuriteServers> {
  const stopAll = async (servers: AzuriteServers[]) => {
    const results = await Promise.allSettled(servers.map((s) => s.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const results = await Promise.allSettled(AZURITE_THREADS.map((services) => startAzuriteInWorker({ ...options, services }, onCrash)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(started).catch(() => undefined);
    throw failed.reason;
  }
  return { ports: Object.assign({}, ...started.map((s) => s.ports)) as AzuriteServers['ports'], stop: () => stopAll(started) };
}

