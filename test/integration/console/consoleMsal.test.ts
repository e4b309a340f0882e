import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startOidcStandIn, type OidcStandIn } from '../../support/oidcStandIn';
import { RG, startRecoveryHost, V, type RecoveryHost } from '../recovery/recoveryHarness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLIENT = '11111111-2222-4333-8444-555555555555';
const AUDIENCE = 'api://site-recovery-functions';
const SHOTS = resolve(__dirname, '../../../docs/console');

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/**
 * The console's Entra sign-in path (MSAL for single-page apps, authorization code with PKCE) in
 * headless Chromium, against a STAND-IN OpenID Connect authority on loopback
 * (test/support/oidcStandIn.ts; Entra ID cannot be reached here). The host runs in Entra mode:
 * it validates the stand-in's tokens by issuer, audience and the stand-in's JWKS, as it would
 * Entra's. The stand-in is not Entra, so the host names it as another OpenID Connect authority
 * (`ASR_CONSOLE_PROTOCOL_MODE=OIDC`, docs/console.md).
 */
describe('the console signs in with MSAL (code + PKCE) against a loopback OpenID authority stand-in', () => {
  let standIn: OidcStandIn;
  let h: RecoveryHost;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    standIn = await startOidcStandIn({ clientId: CLIENT, audience: AUDIENCE, user: { sub: 'olga', name: 'Olga Operator', roles: ['Operator'] } });
    h = await startRecoveryHost({
      ASR_AUTH_MODE: 'entra', ASR_AUTH_ISSUER: standIn.issuer, ASR_AUTH_AUDIENCE: AUDIENCE, ASR_AUTH_JWKS_URL: standIn.jwksUrl,
      ASR_CONSOLE_CLIENT_ID: CLIENT, ASR_CONSOLE_AUTHORITY: standIn.authority, ASR_CONSOLE_PROTOCOL_MODE: 'OIDC', ASR_CONSOLE_RESOURCE_GROUP: RG,
      // The host fetches the stand-in's JWKS over https: it trusts the stand-in's self-signed certificate.
      NODE_EXTRA_CA_CERTS: standIn.caFile,
    }, { app: resolve(__dirname, 'fixture-app') });
    standIn.redirectUri = `${h.host.baseUrl}/console`;
    const admin = await standIn.accessToken({ sub: 'setup', name: 'Setup', roles: ['Contributor'] });
    const vault = await fetch(`${h.host.baseUrl}${V}?api-version=2023-08-01`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'local' }) });
    expect(vault.status).toBeLessThan(300);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    await standIn?.stop();
  });

  /** A fresh tab (its own sessionStorage) that trusts the stand-in's self-signed certificate. */
  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    return context.newPage();
  }

  it('signs in through MSAL\'s redirect with PKCE, shows the user and role from the token, and the API accepts the token', async () => {
    const page = await freshPage();
    const apiAuthorizations: string[] = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/subscriptions/')) apiAuthorizations.push(r.headers().authorization ?? ''); });
    await page.goto(`${h.host.baseUrl}/console`);
    await page.click('#entra-sign-in');
    // Out to the stand-in's /authorize, back to /console with a code that MSAL redeems with its verifier.
    await page.waitForSelector('#who:has-text("Olga Operator (Operator)")', { timeout: 30_000 });
    await page.waitForSelector('a:text("vault1")');
    expect(standIn.redemptions).toEqual([{ clientId: CLIENT, pkceOk: true }]);
    expect(apiAuthorizations.length).toBeGreaterThan(0);
    for (const a of apiAuthorizations) {
      expect(a).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(payloadOf(a.slice(7))).toMatchObject({ iss: standIn.issuer, aud: AUDIENCE, roles: ['Operator'], scp: `${AUDIENCE}/user_impersonation` });
    }
    // The token never sits in the URL, and no pasted token is kept.
    expect(page.url()).not.toContain('code=');
    expect(await page.evaluate<string | null>("sessionStorage.getItem('asr-console-token')")).toBeNull();
    await page.screenshot({ path: resolve(SHOTS, 'entra-signed-in-desktop.png'), fullPage: true });
    await page.context().close();
  }, 90_000);

  it('a token for another audience is refused by the API (401) and the console says so', async () => {
    standIn.accessTokenAudience = 'api://another-api';
    try {
      const page = await freshPage();
      const refused = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/subscriptions/') && r.status() === 401);
      await page.goto(`${h.host.baseUrl}/console`);
      await page.click('#entra-sign-in');
      await refused;
      const alert = page.locator('main [role=alert]');
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.textContent()).toBe(`The API refused your sign-in (the token is for another audience: expected '${AUDIENCE}'); sign in again.`);
      // Signed out in this tab, the sign-in button offered again; no vault was shown.
      expect(await page.isVisible('#entra-sign-in')).toBe(true);
      expect(await page.locator('a:text("vault1")').count()).toBe(0);
      expect(standIn.redemptions.at(-1)).toEqual({ clientId: CLIENT, pkceOk: true });
      await page.screenshot({ path: resolve(SHOTS, 'entra-refused-desktop.png'), fullPage: true });
      await page.context().close();
    } finally {
      standIn.accessTokenAudience = AUDIENCE;
    }
  }, 90_000);
});
