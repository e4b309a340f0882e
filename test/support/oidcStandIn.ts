import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { tempDir } from './tempDir';

/** Who the stand-in signs in (there is no login form: /authorize answers at once). */
export interface StandInUser {
  sub: string;
  name: string;
  roles: string[];
}

/** One redeemed authorization code, for the test's assertions. */
export interface TokenRedemption {
  clientId: string;
  /** The PKCE verifier matched the challenge /authorize was given. */
  pkceOk: boolean;
}

export interface OidcStandIn {
  /** `https://127.0.0.1:<port>/standin-tenant`: the console's `ASR_CONSOLE_AUTHORITY`. */
  authority: string;
  /** `iss` of its tokens: the API's `ASR_AUTH_ISSUER`. */
  issuer: string;
  /** The API's `ASR_AUTH_JWKS_URL`. */
  jwksUrl: string;
  /** Its self-signed certificate (PEM file): `NODE_EXTRA_CA_CERTS` of the host that fetches the JWKS. */
  caFile: string;
  /** The one redirect URI registered for the client (the console's `<host>/console`), set once the host runs. */
  redirectUri: string;
  /** Who the next /authorize signs in. */
  user: StandInUser;
  /** `aud` of the access tokens it issues (a test sets a wrong one). */
  accessTokenAudience: string;
  redemptions: TokenRedemption[];
  /** An access token as /token would issue it (for the test's own API calls). */
  accessToken(user: StandInUser, scope?: string): Promise<string>;
  stop(): Promise<void>;
}

interface PendingCode { clientId: string; redirectUri: string; challenge: string; nonce: string; scope: string; user: StandInUser }

/**
 * STAND-IN for an OpenID Connect authority (Entra ID cannot be reached from here): a loopback
 * HTTPS server with a self-signed certificate (MSAL only accepts https authorities) that serves
 * `/.well-known/openid-configuration`, `/authorize` (signs `user` in at once and redirects back
 * with a code), `/token` (redeems the code only with the right PKCE verifier, S256, and issues an
 * ID token and an access token signed with its RS256 test key) and the JWKS. It answers CORS
 * so the page's MSAL can call it. It checks the client id and redirect URI it was given.
 */
export async function startOidcStandIn(options: { clientId: string; audience: string; user: StandInUser }): Promise<OidcStandIn> {
  const dir = tempDir('oidc-standin-');
  const keyFile = join(dir.path, 'key.pem');
  const caFile = join(dir.path, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { stdio: 'ignore' });
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  let base = '';
  const tenantPath = '/standin-tenant';

  const sign = (claims: Record<string, unknown>, audience: string, key: KeyLike = privateKey) => new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(`${base}${tenantPath}/v2.0`).setAudience(audience)
    .setIssuedAt().setNotBefore('0s').setExpirationTime('1h').sign(key);
  const accessToken = (user: StandInUser, scope = 'user_impersonation') =>
    sign({ sub: user.sub, oid: user.sub, name: user.name, roles: user.roles, scp: scope }, standIn.accessTokenAudience);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const readForm = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.replace(/\/v2\.0(?=\/)/, '');
    if (path === `${tenantPath}/.well-known/openid-configuration`) {
      send(res, 200, {
        issuer: `${base}${tenantPath}/v2.0`, authorization_endpoint: `${base}${tenantPath}/oauth2/v2.0/authorize`, token_endpoint: `${base}${tenantPath}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}${tenantPath}/oauth2/v2.0/logout`, jwks_uri: `${base}${tenantPath}/discovery/v2.0/keys`,
        response_types_supported: ['code'], response_modes_supported: ['query', 'fragment'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'], scopes_supported: ['openid', 'profile', 'offline_access'],
      });
      return;
    }
    if (path === `${tenantPath}/discovery/keys`) { send(res, 200, { keys: [jwk] }); return; }
    if (path === `${tenantPath}/oauth2/authorize` && req.method === 'GET') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('client_id') !== options.clientId || redirectUri !== standIn.redirectUri || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        send(res, 400, { error: 'invalid_request', error_description: 'unknown client, redirect URI not registered, or no S256 PKCE challenge' });
        return;
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, { clientId: options.clientId, redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce') ?? '', scope: q.get('scope') ?? '', user: standIn.user });
      const answer = new URLSearchParams({ code, state: q.get('state') ?? '' });
      const back = q.get('response_mode') === 'query' ? `${redirectUri}?${answer}` : `${redirectUri}#${answer}`;
      res.writeHead(302, { location: back });
      res.end();
      return;
    }
    if (path === `${tenantPath}/oauth2/token` && req.method === 'POST') {
      const form = await readForm(req);
      const pending = codes.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !pending || form.get('client_id') !== pending.clientId || form.get('redirect_uri') !== pending.redirectUri) {
        send(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code, or another client or redirect URI' });
        return;
      }
      codes.delete(form.get('code')!);
      const verifier = form.get('code_verifier') ?? '';
      const pkceOk = createHash('sha256').update(verifier).digest('base64url') === pending.challenge;
      standIn.redemptions.push({ clientId: pending.clientId, pkceOk });
      if (!pkceOk) { send(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' }); return; }
      const u = pending.user;
      const idToken = await sign({ sub: u.sub, oid: u.sub, tid: 'standin-tenant', name: u.name, preferred_username: `${u.sub}@standin.test`, nonce: pending.nonce }, pending.clientId);
      const apiScope = pending.scope.split(' ').filter((s) => !['openid', 'profile', 'offline_access'].includes(s)).join(' ');
      send(res, 200, { token_type: 'Bearer', scope: pending.scope, expires_in: 3600, ext_expires_in: 3600, id_token: idToken, access_token: await accessToken(u, apiScope) });
      return;
    }
    send(res, 404, { error: 'not_found' });
  }

  const server: Server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, { error: 'server_error', error_description: err.message }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const standIn: OidcStandIn = {
    authority: `${base}${tenantPath}`, issuer: `${base}${tenantPath}/v2.0`, jwksUrl: `${base}${tenantPath}/discovery/v2.0/keys`, caFile,
    redirectUri: '', user: options.user, accessTokenAudience: options.audience, redemptions: [],
    accessToken,
    stop: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => { dir.cleanup(); ok(); }); }),
  };
  return standIn;
}
