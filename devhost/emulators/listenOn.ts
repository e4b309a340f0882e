import { Server } from 'node:net';
import { ServiceError } from '../../shared/errors';

/**
 * Listens, turning "port taken" and similar into a ServiceError with a one-line message that
 * says which service and port, and what to do.
 */
export function listenOn(server: Server, host: string, port: number, service: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const what = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${err.code ?? err.message})`;
      reject(new ServiceError('PortUnavailable',
        `${service} port ${host}:${port} ${what}; stop whatever holds it or choose another port`,
        { cause: err, details: { service, host, port } }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
