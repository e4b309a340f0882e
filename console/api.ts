// The API client of the page: its own origin only, the bearer token of the session.
import type { Json } from './dom.js';
import { bearer } from './session.js';

const API_VERSION = '2023-08-01';

/** `/console/config.json`: what the page shows and how it signs in (shared/console/consoleConfig.ts). */
export interface ConsoleConfig {
  subscription: string;
  resourceGroup: string;
  authMode: 'local' | 'entra';
  entra?: { clientId: string; authority: string; scope: string; protocolMode: 'AAD' | 'OIDC' };
  entraProblem?: string;
}

export const config: ConsoleConfig = { subscription: '', resourceGroup: '', authMode: 'local' };

/** Called when the API refuses the token (401): the page asks for a new sign-in. */
let onUnauthenticated: (message: string) => void = () => undefined;
export function whenUnauthenticated(handler: (message: string) => void): void { onUnauthenticated = handler; }

export function vaultPath(vault?: string): string {
  const base = `/subscriptions/${encodeURIComponent(config.subscription)}/resourceGroups/${encodeURIComponent(config.resourceGroup)}/providers/Microsoft.RecoveryServices/vaults`;
  return vault ? `${base}/${encodeURIComponent(vault)}` : base;
}

export const planPath = (vault: string, plan: string) => `${vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(plan)}`;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(`${code}: ${message}`); }
}

/** A call to this host with the session's bearer token; a 401 asks for a new sign-in. */
async function call(method: string, path: string, query: Record<string, string>, body?: unknown): Promise<Response> {
  const url = new URL(path, location.origin);
  if (url.origin !== location.origin) throw new Error('the console calls its own origin only');
  url.searchParams.set('api-version', API_VERSION);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method, credentials: 'omit',
    headers: { authorization: `Bearer ${await bearer()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    // The API says why (expired, another audience or issuer, bad signature): the operator sees it.
    const why = await res.clone().json().then((b: Json) => String(b?.error?.message ?? ''), () => '');
    onUnauthenticated(`The API refused your sign-in${why ? ` (${why})` : ''}; sign in again.`);
  }
  return res;
}

function refusal(res: Response, parsed: Json): ApiError {
  return new ApiError(res.status, String(parsed?.error?.code ?? res.status), String(parsed?.error?.message ?? res.statusText));
}

export async function api(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await call(method, path, {}, body);
  const text = await res.text();
  let parsed: Json;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
  if (res.status >= 400) throw refusal(res, parsed);
  return { status: res.status as number, headers: res.headers, body: parsed };
}

/**
 * A GET whose answer is a file, saved by the browser as `fileName`. A link cannot send the
 * Authorization header, so the page fetches with the token and hands the browser a blob URL
 * (revoked once the download has started).
 */
export async function download(path: string, query: Record<string, string>, fileName: string): Promise<void> {
  const res = await call('GET', path, query);
  if (res.status >= 400) {
    let parsed: Json;
    try { parsed = await res.json(); } catch { parsed = undefined; }
    throw refusal(res, parsed);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function list(path: string): Promise<Json[]> {
  return (await api('GET', path)).body.value as Json[];
}

/** The job an operation started (`Location: …/operationresults/{job}`), as the console's job page hash. */
export function jobHashOf(vault: string, res: { headers: Headers }): string {
  const job = new URL(res.headers.get('location') ?? '', location.origin).pathname.split('/').pop();
  return `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(job ?? '')}`;
}
