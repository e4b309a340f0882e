import { ServiceError } from '../errors';
import type { LogUploadAnswer, SiteReplicationState } from '../contracts/siteWire';

/** Where a site talks to: the API endpoint and the vault. */
export interface SiteVault {
  endpoint: string;
  subscriptionId: string;
  resourceGroup: string;
  vault: string;
}

export type { LogUploadAnswer, SiteReplicationState } from '../contracts/siteWire';

/** Codes worth another try later: the service is busy or the merge has to catch up. */
const RETRYABLE = new Set(['LogSequenceAhead', 'Throttled', 'MetadataUnavailable', 'ServiceUnavailable']);

/**
 * The site's side of the site routes (shared/arm/sites): no bearer token, the registration key
 * or the site's own secret (`x-asr-site-secret`) instead.
 */
export class SiteApiClient {
  constructor(readonly vault: SiteVault, private readonly credential?: { siteId: string; siteSecret: string }) {}

  private vaultUrl(suffix: string): string {
    const v = this.vault;
    return new URL(`/subscriptions/${encodeURIComponent(v.subscriptionId)}/resourceGroups/${encodeURIComponent(v.resourceGroup)}` +
      `/providers/Microsoft.RecoveryServices/vaults/${encodeURIComponent(v.vault)}${suffix}`, v.endpoint).toString();
  }

  private get siteId(): string {
    if (!this.credential) throw new Error('SiteApiClient: no site credential');
    return encodeURIComponent(this.credential.siteId);
  }

  async register(registrationKey: string, friendlyName: string): Promise<{ siteId: string; siteSecret: string }> {
    const r = await this.send<{ properties: { siteId: string; siteSecret: string } }>('POST', this.vaultUrl('/siteRegistrations'), { properties: { registrationKey, friendlyName } });
    return r.properties;
  }

  async uploadUrl(request: { itemId: string; diskId: string; epoch: number; sequence: number; sizeBytes: number }): Promise<LogUploadAnswer> {
    return (await this.send<{ properties: LogUploadAnswer }>('POST', this.vaultUrl(`/sites/${this.siteId}/logUploadUrls`), { properties: request })).properties;
  }

  async replicationState(itemId: string): Promise<SiteReplicationState> {
    return (await this.send<{ properties: SiteReplicationState }>('GET', `${this.vaultUrl(`/sites/${this.siteId}/replicationState`)}?itemId=${encodeURIComponent(itemId)}`)).properties;
  }

  private async send<T>(method: string, url: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        redirect: 'error',
        headers: {
          ...(this.credential ? { 'x-asr-site-secret': this.credential.siteSecret } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ServiceError('Unreachable', `cannot reach ${this.vault.endpoint} (${(err as Error).message})`, { retryable: true, cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = error?.code ?? `Http${res.status}`;
      throw new ServiceError(code, error?.message ?? `${method} ${new URL(url).pathname} answered ${res.status}`,
        { retryable: res.status >= 500 || res.status === 429 || RETRYABLE.has(code), details: { status: res.status } });
    }
    return parsed as T;
  }
}
