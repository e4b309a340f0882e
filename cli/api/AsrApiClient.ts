import { ServiceError } from '../../shared/errors';
import type { CliConfig } from './CliConfig';
import { obtainToken } from './obtainToken';

const API_VERSION = '2023-08-01';
const MAX_POLLS = 600;

/** An ARM resource as the API returns it. */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  properties: Record<string, any>;
}

/** A small HTTP client for the ARM-shaped API: bearer token, paging, 202 polling, typed errors. */
export class AsrApiClient {
  private token?: Promise<string>;

  constructor(readonly config: CliConfig) {}

  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults[/{vault}]`. */
  vaultPath(vault?: string): string {
    const base = `/subscriptions/${encodeURIComponent(this.config.subscriptionId)}/resourceGroups/${encodeURIComponent(this.config.resourceGroup)}` +
      '/providers/Microsoft.RecoveryServices/vaults';
    return vault === undefined ? base : `${base}/${encodeURIComponent(vault)}`;
  }

  async get<T = ArmResource>(path: string): Promise<T> {
    return (await this.send('GET', path)).body as T;
  }

  /** The body of a GET as bytes (a report's workbook or page); a 4xx/5xx is a `ServiceError` with the API's code. */
  async download(path: string): Promise<Buffer> {
    this.token ??= obtainToken(this.config);
    const token = await this.token;
    let res: Response;
    try {
      res = await fetch(this.url(path), { headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new ServiceError('Unreachable', `cannot reach ${this.config.endpoint} (${(err as Error).message}); is the host running (npm start)?`, { retryable: true, cause: err });
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status >= 400) {
      let error: { code?: string; message?: string } | undefined;
      try { error = (JSON.parse(bytes.toString('utf8')) as { error?: { code?: string; message?: string } }).error; } catch { error = undefined; }
      throw new ServiceError(error?.code ?? `Http${res.status}`, error?.message ?? `GET ${new URL(path, this.config.endpoint).pathname} answered ${res.status}`, { details: { status: res.status } });
    }
    return bytes;
  }

  /** Every item of a list, following `nextLink`. */
  async list<T = ArmResource>(path: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = this.url(path);
    while (next) {
      const page = (await this.send('GET', next)).body as { value: T[]; nextLink?: string };
      out.push(...page.value);
      next = page.nextLink;
    }
    return out;
  }

  /** PUT; `headers` carries conditions such as `if-none-match: *` (create only). */
  async put<T = ArmResource>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return (await this.settle(await this.send('PUT', path, body, headers))) as T;
  }

  /** A POST action; returns the first answer's body (a 202's operation is not followed). */
  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    return (await this.send('POST', path, body)).body as T;
  }

  /** Polls an operation's `Location` (from a 202) until it finishes; returns the final body. */
  async follow<T = ArmResource>(location: string): Promise<T> {
    return (await this.settle({ status: 202, headers: new Headers({ location, 'retry-after': '1' }), body: undefined })) as T;
  }

  /** PATCH; `headers` carries conditions such as `if-match: <etag>`. */
  async patch<T = ArmResource>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return (await this.settle(await this.send('PATCH', path, body, headers))) as T;
  }

  async delete(path: string): Promise<void> {
    await this.settle(await this.send('DELETE', path));
  }

  /** Follows a 202's `Location` until the operation finishes. */
  private async settle(res: { status: number; headers: Headers; body: unknown }): Promise<unknown> {
    let current = res;
    for (let i = 0; current.status === 202 && i < MAX_POLLS; i++) {
      const location = current.headers.get('location');
      if (!location) return undefined;
      const wait = Number(current.headers.get('retry-after') ?? '1');
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 10) * 1000));
      current = await this.send('GET', location);
    }
    return current.body;
  }

  private url(pathOrUrl: string): string {
    const u = new URL(pathOrUrl, this.config.endpoint);
    if (!u.searchParams.has('api-version')) u.searchParams.set('api-version', API_VERSION);
    return u.toString();
  }

  private async send(method: string, pathOrUrl: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
    this.token ??= obtainToken(this.config);
    const url = this.url(pathOrUrl);
    // Outside the try: a token problem is not an unreachable host.
    const token = await this.token;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...extraHeaders, authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ServiceError('Unreachable', `cannot reach ${this.config.endpoint} (${(err as Error).message}); is the host running (npm start)?`, { retryable: true, cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ServiceError(error?.code ?? `Http${res.status}`, error?.message ?? `${method} ${url} answered ${res.status}`, { details: { status: res.status } });
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
}
