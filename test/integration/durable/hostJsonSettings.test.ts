import { resolve } from 'node:path';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { durableApi } from './durableTestClient';

const APP = resolve(__dirname, '../../fixtures/apps/hub-setting-app');

describe('host.json %Setting% in funclocal (issue 18)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal | undefined;
  beforeAll(async () => { azurite = await startAzurite(); });
  afterEach(async () => { await host?.stop(); host = undefined; });
  afterAll(async () => { await azurite?.stop(); });

  async function runHello(): Promise<{ taskHub: string | null; output: unknown }> {
    const res = await fetch(`${host!.baseUrl}/api/orchestrators/helloCities`, { method: 'POST' });
    expect(res.status).toBe(202);
    const links = (await res.json()) as { id: string; statusQueryGetUri: string };
    const done = await durableApi(host!.baseUrl).waitFor(links.id);
    return { taskHub: new URL(links.statusQueryGetUri).searchParams.get('taskHub'), output: done.output };
  }

  it('runs the task hub named by local.settings.json (hubName: "%TASKHUB_NAME%")', async () => {
    host = await startFunclocal({ app: APP, storage: azurite.connectionString });
    expect(await runHello()).toEqual({ taskHub: 'SettingHub', output: ['Hello Tokyo!', 'Hello London!'] });
  });

  it('lets the environment override local.settings.json, as app settings do', async () => {
    host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { TASKHUB_NAME: 'EnvHub' } });
    expect(await runHello()).toEqual({ taskHub: 'EnvHub', output: ['Hello Tokyo!', 'Hello London!'] });
  });
});
