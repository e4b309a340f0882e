/**
 * Entry of a worker thread that runs some of Azurite's servers (startAzuriteInWorker.ts), so
 * that Azurite and the Cosmos DB server stop sharing one event loop and one heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ServiceError } from '../../shared/errors';
import { startAzurite, type AzuriteOptions } from './AzuriteServers';
import type { AzuriteWorkerMessage } from './startAzuriteInWorker';

const port = parentPort!;
const post = (message: AzuriteWorkerMessage) => port.postMessage(message);

startAzurite(workerData as AzuriteOptions).then((servers) => {
  port.once('message', () => {
    // Azurite saves its databases on close; the parent ends the thread once told.
    servers.stop().then(() => post({ kind: 'stopped' }), (err: Error) => post({ kind: 'stopped', error: err.message }));
  });
  post({ kind: 'ready', ports: servers.ports });
}, (err: Error) => {
  const e = err instanceof ServiceError ? err : undefined;
  post({ kind: 'failed', error: { code: e?.code ?? 'EmulatorStartFailed', message: err.message, details: e?.details } });
});
