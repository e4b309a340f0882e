import { ChildProcess, spawn } from 'node:child_process';
import { azuriteConnectionString } from '../../shared/config/developmentStorage';
import { freePort } from './ports';

export interface TestAzurite {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts a private, in-memory Azurite (blob, queue, table) on free loopback ports for one
 * test suite. Real Azurite, not a mock: the same server the local host uses.
 */
export async function startAzurite(options: { location?: string } = {}): Promise<TestAzurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    require.resolve('azurite/dist/src/azurite.js'),
    '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose',
    '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', String(blobPort), '--queuePort', String(queuePort), '--tablePort', String(tablePort),
  ];
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Table service is successfully listening/.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`azurite exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`azurite did not start in 30 s: ${out}`)), 30000).unref();
  });
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
