import { z } from 'zod';
import { LOCAL_SUBSCRIPTION_ID } from '../config/localSubscription';

/** Entra ID sign-in for the page: the SPA registration MSAL uses (authorization code with PKCE). */
export interface ConsoleEntraConfig {
  clientId: string;
  /** `https://login.microsoftonline.com/<tenant>` (or `ASR_CONSOLE_AUTHORITY`): the only other origin the page may reach. */
  authority: string;
  /** The API's delegated scope, e.g. `api://site-recovery-functions/user_impersonation`. */
  scope: string;
  /**
   * `AAD` (Entra ID, the default) or `OIDC`: an authority that is a plain OpenID Connect provider
   * (`ASR_CONSOLE_PROTOCOL_MODE=OIDC`; the browser tests' loopback stand-in is one). MSAL then reads
   * `<authority>/.well-known/openid-configuration` and trusts only the authority's own host.
   */
  protocolMode: 'AAD' | 'OIDC';
}

/** What `/console/config.json` answers: what the page shows and how it signs in. */
export interface ConsoleConfig {
  subscription: string;
  resourceGroup: string;
  authMode: 'local' | 'entra';
  entra?: ConsoleEntraConfig;
  /** Entra mode with settings missing or wrong: what to set (the page shows it and offers the token field). */
  entraProblem?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant id (GUID) or verified domain (contoso.onmicrosoft.com): it becomes part of the authority URL, so nothing else. */
const tenantSchema = z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/i, 'a tenant id (GUID) or domain name');
const authoritySchema = z.string().url().refine((s) => {
  const u = new URL(s);
  return u.protocol === 'https:' && !u.username && !u.password && !u.search && !u.hash && u.pathname.length > 1;
}, 'an https URL with the tenant in its path, no query, no credentials');

/** The authority's origin (scheme, host, port): what the page's CSP lets it connect to and frame. */
export function authorityOrigin(config: ConsoleConfig): string | undefined {
  return config.entra ? new URL(config.entra.authority).origin : undefined;
}

function entraOf(env: NodeJS.ProcessEnv): { entra?: ConsoleEntraConfig; entraProblem?: string } {
  const problems: string[] = [];
  const clientId = (env.ASR_CONSOLE_CLIENT_ID ?? '').trim();
  if (!GUID.test(clientId)) problems.push('ASR_CONSOLE_CLIENT_ID (the console app registration\'s application id, a GUID)');
  let authority = (env.ASR_CONSOLE_AUTHORITY ?? '').trim().replace(/\/+$/, '');
  if (authority) {
    if (!authoritySchema.safeParse(authority).success) problems.push('ASR_CONSOLE_AUTHORITY (an https URL such as https://login.microsoftonline.com/<tenant>)');
  } else {
    const tenant = (env.ASR_CONSOLE_TENANT_ID ?? '').trim();
    if (tenantSchema.safeParse(tenant).success) authority = `https://login.microsoftonline.com/${tenant}`;
    else problems.push('ASR_CONSOLE_TENANT_ID (the directory\'s tenant id) or ASR_CONSOLE_AUTHORITY');
  }
  const audience = (env.ASR_AUTH_AUDIENCE ?? '').trim();
  const scope = (env.ASR_CONSOLE_SCOPE ?? '').trim() || (audience ? `${audience.replace(/\/+$/, '')}/user_impersonation` : '');
  if (!scope || /\s/.test(scope)) problems.push('ASR_CONSOLE_SCOPE (the API\'s delegated scope, e.g. api://<api app id>/user_impersonation)');
  const protocolMode = (env.ASR_CONSOLE_PROTOCOL_MODE ?? '').trim().toUpperCase() || 'AAD';
  if (protocolMode !== 'AAD' && protocolMode !== 'OIDC') problems.push('ASR_CONSOLE_PROTOCOL_MODE (AAD for Entra ID, or OIDC for another OpenID Connect authority)');
  else if (protocolMode === 'OIDC' && !env.ASR_CONSOLE_AUTHORITY?.trim()) problems.push('ASR_CONSOLE_AUTHORITY (OIDC mode names its authority)');
  if (problems.length) return { entraProblem: `Sign-in with Entra ID is not configured: set ${problems.join(', ')}.` };
  return { entra: { clientId, authority, scope, protocolMode: protocolMode as 'AAD' | 'OIDC' } };
}

/** The page's configuration from the app settings; never fails (a wrong setting is reported as `entraProblem`). */
export function consoleConfigFromEnv(env: NodeJS.ProcessEnv): ConsoleConfig {
  const authMode = (env.ASR_AUTH_MODE || 'entra').toLowerCase() === 'local' ? 'local' : 'entra';
  return {
    subscription: (env.ASR_SUBSCRIPTIONS ?? '').split(',').map((s) => s.trim()).find(Boolean) ?? LOCAL_SUBSCRIPTION_ID,
    resourceGroup: env.ASR_CONSOLE_RESOURCE_GROUP || 'local',
    authMode,
    ...(authMode === 'entra' ? entraOf(env) : {}),
  };
}

/**
 * Same origin only: scripts and styles from /console, API calls to this host, no inline script,
 * no framing. With Entra sign-in the authority's origin is added to `connect-src` (MSAL reads its
 * metadata and redeems the code there) and `frame-src` (silent renewal in a hidden frame); nothing else.
 */
export function consoleCsp(config?: ConsoleConfig): string {
  const authority = config ? authorityOrigin(config) : undefined;
  const extra = authority ? ` ${authority}` : '';
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'${extra}; img-src 'self' data:; ${authority ? `frame-src ${authority}; ` : ''}base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}
