import { Worker } from 'node:worker_threads';
import { ServiceError } from '../../shared/errors';
import { compiledEmulatorScript } from './compiledEmulatorScript';
import type { AzuriteOptions, AzuriteServers, AzuriteService } from './AzuriteServers';

/** What azuriteWorker.ts tells its parent. */
export type AzuriteWorkerMessage =
  | { kind: 'ready'; ports: Partial<Record<AzuriteService, number>> }
  | { kind: 'failed'; error: { code: string; message: string; details?: Record<string, unknown> } }
  | { kind: 'stopped'; error?: string };

/**
 * Starts Azurite servers in a worker thread of this process: their own event loop and heap, so
 * Azurite and the Cosmos DB server each get a core, while the emulators stay one process (one
 * pid, one lock, one ready line; a kill ends everything). Start errors arrive as the same
 * ServiceError (code and message) as in this thread. `onCrash` hears of a worker that dies
 * while serving.
 */
export function startAzuriteInWorker(options: AzuriteOptions, onCrash: (err: Error) => void): Promise<AzuriteServers> {
  const worker = new Worker(compiledEmulatorScript('azuriteWorker.js'), { workerData: options });
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const crashed = (err: Error) => {
    if (stopping) return;
    stopping = true;
    onCrash(err);
  };
  const stop = () => (stopped ??= (async () => {
    stopping = true;
    const said = new Promise<AzuriteWorkerMessage>((resolve) => worker.once('message', resolve));
    worker.postMessage('stop');
    const answer = await Promise.race([said, exited.then(() => undefined)]);
    await worker.terminate();
    if (answer?.kind === 'stopped' && answer.error) throw new Error(`azurite did not stop cleanly: ${answer.error}`);
  })());
  return new Promise<AzuriteServers>((resolve, reject) => {
    let ready = false;
    const notStarted = (why: string, cause?: unknown) => {
      if (ready || stopping) return;
      stopping = true;
      void worker.terminate();
      reject(new ServiceError('EmulatorStartFailed', `azurite did not start: ${why}`, { cause }));
    };
    worker.once('message', (message: AzuriteWorkerMessage) => {
      if (message.kind === 'ready') {
        ready = true;
        resolve({ ports: message.ports, stop });
      } else if (message.kind === 'failed') {
        stopping = true;
        void worker.terminate();
        reject(new ServiceError(message.error.code, message.error.message, { details: message.error.details }));
      }
    });
    worker.on('error', (err) => (ready ? crashed(err) : notStarted(err.message, err)));
    void exited.then((code) => (ready ? crashed(new Error(`azurite worker exited with ${code} while serving`)) : notStarted(`its worker exited with ${code}`)));
  });
}
