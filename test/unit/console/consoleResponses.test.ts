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
    expect(consoleConfigFromEnv({ ASR_CONSOLE_CLIENT_ID: 'c', ASR_CONSOLE_AUTHORITY: 'https://login.microsoftonline.com/t', ASR_CONSOLE_SCOPE: 's' })).toMatchObject({ authMode: 'entra', clientId: 'c', authority: 'https://login.microsoftonline.com/t', scope: 's' });
  });
});
