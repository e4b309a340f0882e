import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import type { RunningLocalSystem, startLocalSystem as StartLocalSystem } from '../../../demo/LocalSystem';
import { freePort } from '../../support/ports';
import { tempDir } from '../../support/tempDir';

// The compiled module: LocalSystem finds funclocal and the app relative to dist/demo/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startLocalSystem } = require(resolve(__dirname, '../../../dist/demo/LocalSystem.js')) as { startLocalSystem: typeof StartLocalSystem };

/**
 * The demo's host needs its port up front (its own URL is a setting), and the demo test once
 * failed with EADDRINUSE: another suite took the picked port before funclocal bound it. The
 * start is retried on a fresh port.
 */
describe('demo local system: a port taken between pick and bind', () => {
  const data = tempDir('demo-port-');
  let system: RunningLocalSystem | undefined;
  let holder: Server | undefined;

  afterAll(async () => {
    await system?.stop();
    if (holder) await new Promise((r) => holder!.close(r));
    data.cleanup();
  });

  it('retries the host start on a fresh port and comes up healthy', async () => {
    const picked: number[] = [];
    const pickPort = async () => {
      const port = await freePort();
      if (picked.length === 0) {
        // The race, made certain: someone else binds the first pick before funclocal does.
        holder = createServer();
        await new Promise<void>((r) => holder!.listen(port, '127.0.0.1', () => r()));
      }
      picked.push(port);
      return port;
    };
    system = await startLocalSystem(data.path, { pickPort, env: { ASR_DATA_DIR: data.path } });
    expect(picked).toHaveLength(2);
    expect(system.baseUrl).toBe(`http://127.0.0.1:${picked[1]}`);
    expect((await fetch(`${system.baseUrl}/health`)).status).toBe(200);
  }, 180_000);
});
