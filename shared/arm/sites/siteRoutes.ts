import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { SiteServices } from '../../sites';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from '../ArmRoute';
import { parseBody, parseJson } from '../parseBody';

const JSON_HEADERS = { 'content-type': 'application/json' };
const ok = (body: unknown): ArmResponse => ({ status: 200, headers: JSON_HEADERS, body });

/** The header a site sends its secret in (its id is in the path). */
export const SITE_CREDENTIAL_HEADER = 'x-asr-site-secret';

const issueBody = z.object({ properties: z.object({ validityMinutes: z.number().int().positive().optional() }).optional() });
const registerBody = z.object({
  properties: z.object({
    registrationKey: z.string().min(1).max(200),
    friendlyName: z.string().min(1).max(200).optional(),
  }),
});
const uploadBody = z.object({
  properties: z.object({
    itemId: z.string().min(1).max(2000),
    diskId: z.string().min(1).max(200),
    epoch: z.number().int().positive(),
    sequence: z.number().int().positive(),
    sizeBytes: z.number().int().nonnegative(),
  }),
});

/**
 * The path's vault for a caller without a token: an unknown vault answers like a bad credential
 * (401), so the site routes do not tell strangers which vaults exist.
 */
async function vaultForSite(ctx: ArmContext, code: 'RegistrationKeyInvalid' | 'SiteCredentialInvalid') {
  try {
    return await ctx.requireVault();
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'NotFound') throw new ServiceError(code, 'the credential is not valid for this vault; check the endpoint, subscription, resource group and vault');
    throw err;
  }
}

async function siteOf(ctx: ArmContext, sites: SiteServices) {
  const vault = await vaultForSite(ctx, 'SiteCredentialInvalid');
  return { vaultKey: ctx.vaultKey!, vault, site: await sites.registry.authenticate(ctx.vaultKey!, ctx.captures[3], ctx.request.headers[SITE_CREDENTIAL_HEADER]) };
}

/**
 * The source-site routes (docs/security.md, "Source sites"): an operator issues a single-use
 * registration key; a site registers with it and gets its own credential; with that credential
 * it asks for a create-only upload URL per log and reads its items' replication state. No
 * route here hands out a storage credential of any wider reach.
 */
export function siteRoutes(services: () => Promise<SiteServices>): ArmRoute[] {
  const SITE = [...VAULT_PREFIX, 'sites', '{siteId}'];
  return [
    {
      method: 'POST', pattern: [...VAULT_PREFIX, 'siteRegistrationKeys'], role: 'Contributor', action: 'issue site registration key',
      handler: async (ctx) => {
        const s = await services();
        const vault = await ctx.requireVault();
        const body = parseBody(issueBody, parseJson(ctx.request.bodyText));
        const minutes = Math.min(body.properties?.validityMinutes ?? s.settings.registrationKeyMinutes, s.settings.registrationKeyMinutes);
        const key = await s.registry.issueRegistrationKey(ctx.vaultKey!, vault.armId, ctx.principal.subject, minutes);
        return ok({ properties: { ...key, vault: vault.name, subscriptionId: vault.subscriptionId, resourceGroupName: vault.resourceGroupName } });
      },
    },
    {
      method: 'POST', pattern: [...VAULT_PREFIX, 'siteRegistrations'], role: 'Reader', credential: 'site', action: 'register source site',
      handler: async (ctx) => {
        const s = await services();
        const vault = await vaultForSite(ctx, 'RegistrationKeyInvalid');
        const body = parseBody(registerBody, parseJson(ctx.request.bodyText));
        const site = await s.registry.register(ctx.vaultKey!, vault.armId, body.properties.registrationKey, body.properties.friendlyName ?? 'site');
        return ok({ properties: site });
      },
    },
    {
      method: 'POST', pattern: [...SITE, 'logUploadUrls'], role: 'Reader', credential: 'site', action: 'issue log upload URL',
      handler: async (ctx) => {
        const s = await services();
        const { vaultKey, site } = await siteOf(ctx, s);
        const body = parseBody(uploadBody, parseJson(ctx.request.bodyText));
        return ok({ properties: await s.uploads.uploadUrl(vaultKey, site, body.properties) });
      },
    },
    {
      method: 'GET', pattern: [...SITE, 'replicationState'], role: 'Reader', credential: 'site', action: 'read site replication state',
      handler: async (ctx) => {
        const s = await services();
        const { vaultKey, site } = await siteOf(ctx, s);
        const itemId = ctx.url.searchParams.get('itemId');
        if (!itemId) throw new ServiceError('InvalidParameter', 'the query parameter itemId (the protected item\'s ARM id) is required', { details: { target: 'itemId' } });
        return ok({ properties: await s.uploads.replicationState(vaultKey, site, itemId) });
      },
    },
  ];
}
