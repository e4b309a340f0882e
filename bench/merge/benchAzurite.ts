import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { azuriteConnectionString } from '../../shared/config/developmentStorage';


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** An in-memory Azurite blob service on a free port, for one benchmark run. */
export async function startBenchAzurite(): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const port = await freePort();
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
