import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleConfigFromEnv, consoleResponse } from '../../../shared/console';

describe('what /console answers', () => {
  it('the page with a CSP that allows only its own origin, no inline script, no framing', async () => {
    const page = await consoleResponse(undefined, {});
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script type="module" src="/console/app.js"></script>');
    expect(page.body).not.toMatch(/<script>|\sstyle=|\son\w+="/);
    expect((await consoleResponse('../package.json', {})).status).toBe(404);
  });

  it('config: the subscription and resource group to show, and the sign-in mode', () => {
    expect(consoleConfigFromEnv({ ASR_AUTH_MODE: 'local', ASR_SUBSCRIPTIONS: 'aaaa, bbbb', ASR_CONSOLE_RESOURCE_GROUP: 'dr' })).toEqual({ subscription: 'aaaa', resourceGroup: 'dr', authMode: 'local' });
  });

  const CLIENT = '11111111-2222-3333-4444-555555555555';
  const TENANT = '99999999-8888-7777-6666-555555555555';

  it('config in Azure: the SPA registration from the app settings (tenant, client id, scope; the scope defaults from the API audience)', () => {
    expect(consoleConfigFromEnv({ ASR_CONSOLE_CLIENT_ID: CLIENT, ASR_CONSOLE_TENANT_ID: TENANT, ASR_AUTH_AUDIENCE: 'api://asr-api' }).entra)
      .toEqual({ clientId: CLIENT, authority: `https://login.microsoftonline.com/${TENANT}`, scope: 'api://asr-api/user_impersonation', protocolMode: 'AAD' });
    expect(consoleConfigFromEnv({ ASR_CONSOLE_CLIENT_ID: CLIENT, ASR_CONSOLE_AUTHORITY: 'https://login.microsoftonline.us/contoso.onmicrosoft.com/', ASR_CONSOLE_SCOPE: 'api://x/user_impersonation' }).entra)
      .toEqual({ clientId: CLIENT, authority: 'https://login.microsoftonline.us/contoso.onmicrosoft.com', scope: 'api://x/user_impersonation', protocolMode: 'AAD' });
  });

  it('config in Azure with settings missing or wrong: no Entra settings, a problem naming each setting to fix', () => {
    const bad = consoleConfigFromEnv({ ASR_CONSOLE_CLIENT_ID: 'not-a-guid', ASR_CONSOLE_AUTHORITY: 'http://evil.example/t?x=1' });
    expect(bad.entra).toBeUndefined();
    expect(bad.entraProblem).toMatch(/ASR_CONSOLE_CLIENT_ID.*ASR_CONSOLE_AUTHORITY.*ASR_CONSOLE_SCOPE/);
    expect(consoleConfigFromEnv({ ASR_CONSOLE_CLIENT_ID: CLIENT, ASR_CONSOLE_TENANT_ID: 'x/../y', ASR_CONSOLE_SCOPE: 's' }).entraProblem).toMatch(/ASR_CONSOLE_TENANT_ID/);
  });

  it('with Entra, the CSP adds the authority\'s origin (connect, frame) and nothing else, and MSAL is served from this host; locally it is not served', async () => {
    const env = { ASR_CONSOLE_CLIENT_ID: CLIENT, ASR_CONSOLE_TENANT_ID: TENANT, ASR_CONSOLE_SCOPE: 'api://x/user_impersonation' };
    const page = await consoleResponse(undefined, env);
    expect(page.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https://login.microsoftonline.com; img-src 'self' data:; frame-src https://login.microsoftonline.com; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    const msal = await consoleResponse('msal-browser.js', env);
    expect([msal.status, msal.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(msal.body).toContain('PublicClientApplication');
    expect((await consoleResponse('msal-browser.js', { ASR_AUTH_MODE: 'local' })).status).toBe(404);
    expect(JSON.parse((await consoleResponse('config.json', env)).body)).toMatchObject({ authMode: 'entra', entra: { clientId: CLIENT } });
  });

  it('the console\'s own modules name no external URL: the only other origin the page reaches is the configured authority (CSP)', async () => {
    const dir = join(__dirname, '../../../dist/console');
    const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['app.js', 'session.js', 'msalSignIn.js', 'planOperations.js', 'drills.js', 'eventsFeed.js']));
    for (const f of files) {
      expect([f, readFileSync(join(dir, f), 'utf8').match(/\bhttps?:\/\/[^\s'"`]+/g)]).toEqual([f, null]);
    }
    expect((await consoleResponse('nothere.js', {})).status).toBe(404);
  });
});
