import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors';
import { vaultKeyOf, type MetadataStore, type VaultDocument } from '../metadata';
import { requireRole, type Principal } from '../security';
import type { ArmContext } from './ArmContext';
import type { ArmRequest, ArmResponse } from './ArmRequest';
import { ALERT_SENDER, matchPattern, type ArmRoute } from './ArmRoute';
import { toArmErrorResponse } from './armErrorCatalogue';
import { armRoutes } from './armRoutes';
import { bodyTooLarge, MAX_REQUEST_BODY_BYTES } from './requestLimits';
import { validateCaptures } from './validateCaptures';
import { DEFAULT_RECOVERY_RESOURCE_GROUP } from '../config/recoveryResourceGroup';

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new ServiceError('InvalidParameter', `path segment '${segment}' is not valid percent-encoding`, { cause: err });
  }
}

/** The principal of a site route until its handler has checked the site's credential (audited as such). */
const SITE_CALLER: Principal = { subject: 'source site', roles: [] };


/** Verifies the bearer token of a request (TokenVerifier, or anything shaped like it). */
export interface BearerVerifier {
  verify(authorization: string | undefined): Promise<Principal>;
}

export interface ArmApiOptions {
  store: MetadataStore;
  verifier: BearerVerifier;
  /** Items per list page (default 100). */
  pageSize?: number;
  now?: () => Date;
  /** Where failures that are not the caller's fault are reported (audit writes, 500s). */
  log?: (message: string, err?: unknown) => void;
  /** Extra routes (the Recovery issue's jobs and actions), matched after the built-in ones. */
  extraRoutes?: ArmRoute[];
  /** The subscription ids this deployment serves (`ASR_SUBSCRIPTIONS`); a path naming any other is 403. */
  subscriptions: readonly string[];
  /** Recovery resource group of items that name none (`ASR_RECOVERY_RESOURCE_GROUP`, default `asr-recovery`). */
  recoveryResourceGroup?: string;
  /** Local development (`ASR_AUTH_MODE=local`): loopback http webhook URLs are accepted (default false: https only). */
  development?: boolean;
}

/**
 * The ARM-shaped API as one function over plain requests. The pipeline, in order:
 * body size (413) → parse URL → authenticate (401) → route (404/405) → names (400) →
 * subscription scope (403) → authorize (403) → handler → error catalogue → audit of every
 * mutating call.
 */
export class ArmApi {
  private readonly routes: ArmRoute[];
  private readonly pageSize: number;
  private readonly now: () => Date;
  private readonly log: (message: string, err?: unknown) => void;
  private readonly subscriptions: ReadonlySet<string>;

  constructor(private readonly options: ArmApiOptions) {
    this.routes = [...armRoutes(), ...(options.extraRoutes ?? [])];
    this.subscriptions = new Set(options.subscriptions.map((s) => s.toLowerCase()));
    this.pageSize = options.pageSize ?? 100;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((m, e) => console.error(m, e));
  }

  async handle(request: ArmRequest): Promise<ArmResponse> {
    const method = request.method.toUpperCase();
    let principal: Principal | undefined;
    let ctx: ArmContext | undefined;
    let route: ArmRoute | undefined;
    let response: ArmResponse;
    try {
      const bodyBytes = request.bodyText === undefined ? 0 : Buffer.byteLength(request.bodyText, 'utf8');
      if (bodyBytes > MAX_REQUEST_BODY_BYTES) throw bodyTooLarge(bodyBytes);
      const url = new URL(request.url, 'http://localhost');
      const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeSegment);
      let captures: string[] | undefined;
      let pathKnown = false;
      for (const r of this.routes) {
        const c = matchPattern(r.pattern, segments);
        if (!c) continue;
        pathKnown = true;
        if (r.method === method) { route = r; captures = c; break; }
      }
      // A site's routes carry the site's own credential, which their handler checks; every other
      // path (unknown ones included, so 401 comes before 404) needs a bearer token.
      principal = route?.credential === 'site' ? SITE_CALLER
        // An alert sender may bring an Entra token (a secure webhook of an action group) or the rule's secret.
        : route?.credential === 'alertRule' && !request.headers.authorization ? ALERT_SENDER
          : await this.options.verifier.verify(request.headers.authorization);
      if (!route || !captures) {
        throw pathKnown
          ? new ServiceError('MethodNotAllowed', `${method} is not supported on ${url.pathname}`)
          : new ServiceError('RouteNotFound', `no resource type is served at ${url.pathname}; check the path against docs/api.md`);
      }
      validateCaptures(route.pattern, captures);
      if (!this.subscriptions.has(captures[0].toLowerCase())) {
        throw new ServiceError('SubscriptionNotServed',
          `subscription '${captures[0]}' is not served by this deployment; use one of its subscriptions (ASR_SUBSCRIPTIONS)`, { details: { target: 'subscriptionId' } });
      }
      ctx = this.context(request, url, principal, captures);
      if (!route.credential || (route.credential === 'alertRule' && principal !== ALERT_SENDER)) requireRole(principal.roles, route.role, route.action);
      response = await route.handler(ctx);
    } catch (err) {
      response = toArmErrorResponse(err);
      if (response.status >= 500) this.log(`${method} ${request.url} failed`, err);
    }
    if (method !== 'GET' && method !== 'OPTIONS' && principal && route) await this.audit(route, request, principal, ctx, response);
    return response;
  }

  private context(request: ArmRequest, url: URL, principal: Principal, captures: string[]): ArmContext {
    const store = this.options.store;
    let vault: Promise<VaultDocument> | undefined;
    const ctx: ArmContext = {
      request, url, principal, captures, store,
      pageSize: this.pageSize,
      auditDetails: {},
      recoveryResourceGroup: this.options.recoveryResourceGroup ?? DEFAULT_RECOVERY_RESOURCE_GROUP,
      development: this.options.development ?? false,
      now: this.now,
      vaultKey: captures.length >= 3 ? vaultKeyOf({ subscriptionId: captures[0], resourceGroupName: captures[1], vaultName: captures[2] }) : undefined,
      requireVault: () => (vault ??= (async () => {
        const doc = ctx.vaultKey ? await store.getVault(ctx.vaultKey) : undefined;
        if (!doc) throw new ServiceError('NotFound', `vault '${captures[2]}' does not exist in resource group '${captures[1]}'; create it first`);
        return doc;
      })()),
    };
    return ctx;
  }

  /** Who did what, when, and how it ended. A failed audit write is logged, not turned into a failed call. */
  private async audit(route: ArmRoute, request: ArmRequest, principal: Principal, ctx: ArmContext | undefined, response: ArmResponse): Promise<void> {
    const vaultKey = ctx?.vaultKey;
    if (!vaultKey) return;
    const error = (response.body as { error?: { code?: string } } | undefined)?.error;
    try {
      await this.options.store.appendAudit({
        id: randomUUID(),
        vaultKey,
        at: this.now().toISOString(),
        principal: principal.name ? `${principal.subject} (${principal.name})` : principal.subject,
        action: route.action,
        resourceId: new URL(request.url, 'http://localhost').pathname,
        result: { status: response.status, ...(error?.code ? { code: error.code } : {}) },
        ...(ctx && Object.keys(ctx.auditDetails).length > 0 ? { details: ctx.auditDetails } : {}),
      });
    } catch (err) {
      this.log(`could not write the audit event for ${route.action} on ${request.url}`, err);
    }
  }
}
