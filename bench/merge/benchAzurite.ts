import { spawn } from 'node:child_process';
import { freeLoopbackPort } from '../../shared/os/freeLoopbackPort';
import { azuriteConnectionString } from '../../shared/config/developmentStorage';

/** An in-memory Azurite blob service on a free port, for one benchmark run. */
export async function startBenchAzurite(): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, [
    require.resolve('azurite/dist/src/blob/main.js'), '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose',
    '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--blobPort', String(port),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/successfully listen/.test(out)) resolve();
    });
    setTimeout(() => reject(new Error(`azurite did not start in 30 s: ${out}`)), 30_000).unref();
    child.once('exit', (code) => reject(new Error(`azurite exited with ${code}: ${out}`)));
  });
  return {
    connectionString: azuriteConnectionString('127.0.0.1', { blob: port }),
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
