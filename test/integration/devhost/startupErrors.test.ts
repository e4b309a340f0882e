import { resolve } from 'node:path';
import { runFunclocal, startFunclocal } from '../../support/funclocal';

const APPS = resolve(__dirname, '../../fixtures/apps');
// Startup must fail before storage is touched, so a connection string to nothing will do.
const NO_STORAGE = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;';

async function startApp(app: string) {
  return runFunclocal(['start', '--app', app, '--port', '0', '--storage', NO_STORAGE]);
}

function expectOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^funclocal: /);
  expect(lines[0]).toMatch(pattern);
}

describe('funclocal startup errors: one line on stderr saying what to fix, exit code 1', () => {
  it('refuses a missing app folder', async () => {
    expectOneLineError(await startApp(resolve(APPS, 'no-such-app')), /App folder .*no-such-app does not exist: pass --app/);
  });

  it('refuses a package.json without "main"', async () => {
    expectOneLineError(await startApp(resolve(APPS, 'bad-nomain-app')), /has no "main": set it to the compiled function files/);
  });

  it('refuses a "main" that matches no file', async () => {
    expectOneLineError(await startApp(resolve(APPS, 'bad-main-app')), /"main" \(dist\/functions\/\*\.js\) matches no file .*build the app first/);
  });

  it('does not refuse an app for a trigger it does not support: that function alone is in error, named with its trigger type', async () => {
    // As the Functions host does with a binding whose extension is missing: the app starts and serves.
    const host = await startFunclocal({ app: resolve(APPS, 'bad-eventhub-app'), storage: NO_STORAGE });
    try {
      expect(host.logs()).toMatch(/Host started: 1 function\(s\) \(1 in error\)/);
      expect(host.logs()).toMatch(/Function "onTelemetry" is in error and will not run: its trigger type eventHubTrigger is not supported by funclocal \(supported: .*timertrigger/);
      expect((await fetch(`${host.baseUrl}/api/anything`)).status).toBe(404);
    } finally {
      await host.stop();
    }
  });

  it('puts a function whose trigger cannot be set up in error alone, one line each, and serves the rest', async () => {
    // Before, the first bad trigger (an invalid schedule) stopped the whole app at startup.
    const host = await startFunclocal({ app: resolve(APPS, 'bad-triggers-app'), storage: NO_STORAGE });
    try {
      const logs = host.logs();
      expect(logs).toMatch(/Host started: 7 function\(s\) \(6 in error\)/);
      const errors = logs.split('\n').filter((l) => / error /.test(l));
      expect(errors).toEqual([
        expect.stringMatching(/Function "nightly" is in error and will not run: it has an invalid timer schedule "0 0 25 \* \* \*": .*Use NCRONTAB/),
        expect.stringMatching(/Function "badQueueName" is in error and will not run: its trigger: queue name "Orders_Queue" is invalid: use 3-63 lower-case/),
        expect.stringMatching(/Function "unknownConnection" is in error and will not run: Connection "ARCHIVE_STORAGE" is not defined/),
        expect.stringMatching(/Function "unknownSetting" is in error and will not run: it uses %CLEANUP_SCHEDULE%, but no app setting "CLEANUP_SCHEDULE" is defined/),
        expect.stringMatching(/Function "placeOrder" is in error and will not run: its Service Bus output binding uses connection "ORDERS_BUS", but no app setting "ORDERS_BUS" is defined/),
        expect.stringMatching(/Function "onOrder" is in error and will not run: it has a Service Bus trigger that uses the identity-based connection "SHIPPING_BUS__fullyQualifiedNamespace", which funclocal does not support/),
      ]);
      const order = await fetch(`${host.baseUrl}/api/placeOrder`, { method: 'POST', body: 'o1' });
      expect(order.status).toBe(500);
      expect(((await order.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'FunctionInError', message: expect.stringMatching(/ORDERS_BUS/) });
      const res = await fetch(`${host.baseUrl}/api/ping`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('pong');
    } finally {
      await host.stop();
    }
  });
});

describe('funclocal host.json checks (issue 18)', () => {
  it('names a %Setting% in host.json that no app setting defines', async () => {
    expectOneLineError(await startApp(resolve(APPS, 'bad-hub-setting-app')),
      /host\.json extensions\.durableTask\.hubName uses %MISSING_TASKHUB_SETTING%, but no app setting "MISSING_TASKHUB_SETTING" is defined/);
  });

  it('refuses a Durable storage provider other than Azure Storage, naming it', async () => {
    expectOneLineError(await startApp(resolve(APPS, 'bad-storage-provider-app')),
      /storageProvider\.type is "mssql", which funclocal does not support: funclocal runs Durable Functions on Azure Storage only/);
  });
});
