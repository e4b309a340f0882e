import { resolve } from 'node:path';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';

const APP = resolve(__dirname, '../../fixtures/apps/http-app');

describe('funclocal HTTP trigger (fixture app over real HTTP)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  beforeAll(async () => {
    azurite = await startAzurite();
    host = await startFunclocal({ app: APP, storage: azurite.connectionString });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('routes parameters, query and headers under the routePrefix', async () => {
    const res = await fetch(`${host.baseUrl}/api/items/42?q=hello`, { headers: { 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 42, q: 'hello', hdr: 'yes' });
  });

  it('returns the status code, headers and body the handler chose', async () => {
    const created = await fetch(`${host.baseUrl}/api/items`, { method: 'POST', body: JSON.stringify({ name: 'db01' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/items/7');
    expect(await created.json()).toEqual({ id: 7, name: 'db01' });
    const bad = await fetch(`${host.baseUrl}/api/items`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
  });

  it('honours route constraints, catch-all segments and methods', async () => {
    expect((await fetch(`${host.baseUrl}/api/items/abc`)).status).toBe(404);
    expect(await (await fetch(`${host.baseUrl}/api/files/a/b/c.vhd`)).text()).toBe('path=a/b/c.vhd');
    expect((await fetch(`${host.baseUrl}/api/items/1`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${host.baseUrl}/nothing/here`)).status).toBe(404);
  });

  it('answers 500 when the handler throws, and logs the function and invocation', async () => {
    const res = await fetch(`${host.baseUrl}/api/boom`);
    expect(res.status).toBe(500);
    expect(host.logs()).toMatch(/\[boom [0-9a-f]{8}\] Failed after \d+ ms: kaboom/);
  });

  it('applies local.settings.json Values to the app', async () => {
    expect(await (await fetch(`${host.baseUrl}/api/setting`)).json()).toEqual({ value: 'from-local-settings' });
  });
});
