import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { startFunclocal, type RunningFunclocal } from '../../support/funclocal';
import { freePort, startOnFreePort } from '../../support/ports';

const APP = resolve(__dirname, '../../fixtures/apps/http-app');

function occupy(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(port, '127.0.0.1', () => done(s));
  });
}

/**
 * A port picked by listen(0)-then-close can be taken by a parallel suite before the child binds
 * it (the demo test once failed with EADDRINUSE). Starts that must know their port up front go
 * through startOnFreePort; everything else binds port 0 itself.
 */
describe('ports: no pick-then-bind race', () => {
  let azurite: TestAzurite;
  const hosts: RunningFunclocal[] = [];
  const holders: Server[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    for (const h of hosts) await h.stop();
    for (const s of holders) await new Promise((r) => s.close(r));
    await azurite?.stop();
  });

  it('a funclocal start whose picked port is taken before it binds is retried on a fresh port', async () => {
    const tried: number[] = [];
    // The race, made certain: the first port handed out is occupied between pick and bind.
    const pick = async () => {
      const port = await freePort();
      if (tried.length === 0) holders.push(await occupy(port));
      tried.push(port);
      return port;
    };
    const failures: string[] = [];
    const host = await startOnFreePort(async (port) => {
      try {
        return await startFunclocal({ app: APP, port, storage: azurite.connectionString });
      } catch (err) {
        failures.push((err as Error).message);
        throw err;
      }
    }, { pick });
    hosts.push(host);
    expect(tried).toHaveLength(2);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('EADDRINUSE');
    expect(host.port).toBe(tried[1]);
    expect(host.port).not.toBe(tried[0]);
    expect((await fetch(`${host.baseUrl}/api/items/1`)).status).toBe(200);
  });

  it('gives up after the given attempts, naming the taken ports; other failures are not retried', async () => {
    const taken = await occupy(0);
    holders.push(taken);
    const port = (taken.address() as { port: number }).port;
    let starts = 0;
    await expect(startOnFreePort(async (p) => {
      starts += 1;
      return occupy(p);
    }, { pick: async () => port, attempts: 3 })).rejects.toThrow(`no free port after 3 attempts (taken between pick and bind: ${port}, ${port}, ${port})`);
    expect(starts).toBe(3);

    starts = 0;
    await expect(startOnFreePort(async () => {
      starts += 1;
      throw new Error('app failed to load');
    })).rejects.toThrow('app failed to load');
    expect(starts).toBe(1);
  });

  it('a host started without a port binds port 0 itself and reports the port it got', async () => {
    const host = await startFunclocal({ app: APP, storage: azurite.connectionString });
    hosts.push(host);
    expect(host.port).toBeGreaterThan(0);
    expect(host.baseUrl).toBe(`http://localhost:${host.port}`);
    expect((await fetch(`${host.baseUrl}/api/items/1`)).status).toBe(200);
  });
});
