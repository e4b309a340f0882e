import { ChildProcess, spawn } from 'node:child_process';
import { azuriteConnectionString } from '../../shared/config/developmentStorage';

export interface TestAzurite {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

/** Azurite's "… service is successfully listening at http://127.0.0.1:PORT" line, per service. */
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g;

/**
 * Starts a private, in-memory Azurite (blob, queue, table) on free loopback ports for one
 * test suite. Real Azurite, not a mock: the same server the local host uses. Each service binds
 * port 0 and Azurite prints the port it got, so no port is picked ahead and lost to a parallel
 * suite before the bind.
 */
export async function startAzurite(options: { location?: string } = {}): Promise<TestAzurite> {
  const args = [
    require.resolve('azurite/dist/src/azurite.js'),
    '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose',
    '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', '0', '--queuePort', '0', '--tablePort', '0',
  ];
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const found: Record<string, number> = {};
      for (const m of out.matchAll(LISTENING)) found[m[1]] = Number(m[2]);
      if (found.Blob && found.Queue && found.Table) resolve(found);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`azurite exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`azurite did not start in 30 s: ${out}`)), 30000).unref();
  });
  const [blobPort, queuePort, tablePort] = [ports.Blob, ports.Queue, ports.Table];
  const connectionString = azuriteConnectionString('127.0.0.1', { blob: blobPort, queue: queuePort, table: tablePort });
  return {
    blobPort, queuePort, tablePort, connectionString,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
