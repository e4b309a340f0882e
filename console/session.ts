// Who is signed in, with which role. Local host: a development token pasted once (this tab's
// sessionStorage). Entra ID: MSAL (msalSignIn.ts) holds the tokens; the access token is asked
// for before each call. Either way the role comes from the token's `roles` claim; the API checks
// it again on every call.
import { EntraSignIn, type EntraSettings } from './msalSignIn.js';

export type Role = 'Reader' | 'Operator' | 'Contributor';

const TOKEN_KEY = 'asr-console-token';
const RANK: Record<Role, number> = { Reader: 0, Operator: 1, Contributor: 2 };

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
let entra: EntraSignIn | undefined;

export interface Claims { role: Role; name: string; exp: number }

export function claims(): Claims | undefined {
  if (!token) return undefined;
  try {
    const p = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = ((p.roles ?? []) as string[]).filter((r): r is Role => r in RANK);
    const role = roles.sort((a, b) => RANK[b] - RANK[a])[0] ?? 'Reader';
    return { role, name: p.name ?? p.preferred_username ?? p.sub ?? '', exp: p.exp ?? 0 };
  } catch {
    return undefined;
  }
}

export const can = (role: Role) => RANK[claims()?.role ?? 'Reader'] >= RANK[role];

/** Opens Entra sign-in when the host is configured for it (finishing a sign-in that comes back from the authority). */
export async function startSession(settings: EntraSettings | undefined): Promise<void> {
  if (!settings) return;
  entra = await EntraSignIn.open(settings);
  if (entra.signedIn) token = await entra.accessToken();
}

export const entraAvailable = () => entra !== undefined;

export function signInWithEntra(): Promise<void> {
  if (!entra) return Promise.reject(new Error('Entra ID sign-in is not configured on this host'));
  return entra.signIn();
}

/** A pasted token (development issuer, or one obtained elsewhere): false when it is not a JWT. */
export function useToken(value: string): boolean {
  token = value.trim();
  if (!claims()) { token = undefined; return false; }
  sessionStorage.setItem(TOKEN_KEY, token);
  return true;
}

/** The bearer token for the next call (MSAL renews it when it nears its end). */
export async function bearer(): Promise<string | undefined> {
  if (entra?.signedIn) token = await entra.accessToken();
  return token;
}

/**
 * Forgets the token; with Entra, also signs out at the authority (a redirect), unless the API
 * refused the token (`atAuthority` false): then only this tab forgets it, and the page can say why.
 */
export function signOut(atAuthority = true): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  if (entra?.signedIn) void (atAuthority ? entra.signOut() : entra.forget());
}
