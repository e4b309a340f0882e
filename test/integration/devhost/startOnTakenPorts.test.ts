import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { RunningFunclocal, runFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';

const APP = resolve(__dirname, '../../fixtures/apps/http-app');
const DEFAULTS = [10000, 10001, 10002, 8081];

/** Holds 127.0.0.1:port as "another program" would; undefined when something else already holds it (just as good). */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolveHold) => {
    const s = createServer();
    s.once('error', () => resolveHold(undefined));
    s.listen(port, '127.0.0.1', () => resolveHold(s));
  });
}

describe('funclocal start when the default emulator ports or the host port are taken', () => {
  const held: Server[] = [];
  const dir = tempDir('taken-ports-');
  let host: RunningFunclocal | undefined;

  beforeAll(async () => {
    for (const port of DEFAULTS) {
      const s = await hold(port);
      if (s) held.push(s);
    }
  });
  afterAll(async () => {
    await host?.stop();
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    dir.cleanup();
  });

  it('comes up on free ports, prints them and the connection string, and records them for the CLI', async () => {
    host = await startFunclocal({ app: APP, data: dir.path, startTimeoutMs: 90_000 });
    const logs = host.logs();
    expect(logs).toMatch(/Port 10000 \(Azurite blob\) is in use by another program/);
    expect(logs).toMatch(/Port 8081 \(Cosmos DB emulator\) is in use by another program/);
    const recorded = JSON.parse(readFileSync(join(dir.path, 'emulators.json'), 'utf8')) as { blobEndpoint: string; cosmosEndpoint: string; storageConnectionString: string };
    const ports = [recorded.blobEndpoint, recorded.cosmosEndpoint].map((u) => Number(new URL(u).port));
    expect(DEFAULTS).not.toContain(ports[0]);
    expect(DEFAULTS).not.toContain(ports[1]);
    expect(logs).toContain(`Storage (Azurite): blob ${recorded.blobEndpoint}`);
    expect(logs).toContain(`Cosmos DB: ${recorded.cosmosEndpoint}`);
    expect(logs).toContain(`Storage connection string: ${recorded.storageConnectionString}`);
    // It works: the app answers, and the printed connection string reaches the emulators' storage.
    expect((await fetch(`${host.baseUrl}/api/items/1`)).status).toBe(200);
    const blobs = BlobServiceClient.fromConnectionString(recorded.storageConnectionString, { retryOptions: { maxTries: 1 } });
    await blobs.getContainerClient('probe').create();
    const names: string[] = [];
    for await (const c of blobs.listContainers()) names.push(c.name);
    expect(names).toContain('probe');
  });

  it('says exactly what to run when the host port itself is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runFunclocal(['start', '--app', APP, '--port', String(port), '--data', join(dir.path, 'second')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`funclocal: Port ${port} is in use by another program (EADDRINUSE). Start on another port, e.g. 'PORT=${port + 1} npm start'`);
      expect(r.stderr).toContain(`ASR_ENDPOINT=http://localhost:${port + 1}`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
