import { SiteRegistry } from '../../sites';
import { z } from 'zod';
import { ServiceError } from '../../errors';
import { vaultArmIdOf, vaultKeyOf, vaultDocumentId, type VaultDocument } from '../../metadata';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { nextLinkOf, skipTokenOf } from '../paging';
import { parseBody, parseJson } from '../parseBody';
import { shapeVault } from '../shapeResource';
import { createOnly } from './createOnly';

const vaultInput = z.object({
  location: z.string().min(1, 'must name the Azure region of the vault'),
  /** ARM's tag limits: at most 50, names up to 512 characters, values up to 256. */
  tags: z.record(z.string().min(1).max(512), z.string().max(256))
    .refine((t) => Object.keys(t).length <= 50, 'at most 50 tags').optional(),
  sku: z.object({ name: z.string() }).loose().optional(),
  properties: z.object({}).loose().optional(),
});

function vaultResponse(status: number, doc: VaultDocument): ArmResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (doc._etag) headers.etag = doc._etag;
  return { status, headers, body: shapeVault(doc) };
}

const vaultPatchInput = z.object({
  tags: vaultInput.shape.tags,
  properties: z.object({}).loose().optional(),
});

/**
 * PUT of a vault: create (201) or update location-independent settings (200). With
 * `If-None-Match: *` only a create (412 if the vault exists, also for the loser of two racing
 * creates); with `If-Match` only an update of that version.
 */
export async function putVaultHandler(ctx: ArmContext): Promise<ArmResponse> {
  const [subscriptionId, resourceGroupName, vaultName] = ctx.captures;
  const input = parseBody(vaultInput, parseJson(ctx.request.bodyText));
  const key = vaultKeyOf({ subscriptionId, resourceGroupName, vaultName });
  const existing = await ctx.store.getVault(key);
  const now = ctx.now().toISOString();
  const ifNoneMatch = ctx.request.headers['if-none-match'] === '*';
  if (existing && ifNoneMatch) throw new ServiceError('PreconditionFailed', `vault '${existing.name}' already exists (If-None-Match: *)`);
  if (!existing && ctx.request.headers['if-match']) throw new ServiceError('PreconditionFailed', `vault '${vaultName}' does not exist, so If-Match cannot match`);
  if (existing) {
    if (existing.location.toLowerCase() !== input.location.toLowerCase()) {
      throw new ServiceError('InvalidRequestBody', `location: a vault cannot move; it is in '${existing.location}'`, { details: { target: 'location' } });
    }
    const saved = await ctx.store.replaceVault(
      { ...existing, tags: input.tags ?? existing.tags, properties: { ...existing.properties, ...(input.properties ?? {}) }, updatedAt: now },
      { ifMatch: ctx.request.headers['if-match'] ?? existing._etag },
    );
    return vaultResponse(200, saved);
  }
  const saved = await createOnly(() => ctx.store.createVault({
    id: vaultDocumentId(key),
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroupLower: resourceGroupName.toLowerCase(),
    resourceGroupName,
    name: vaultName,
    armId: vaultArmIdOf({ subscriptionId, resourceGroupName, vaultName }),
    location: input.location,
    tags: input.tags,
    properties: input.properties ?? {},
    createdAt: now,
    updatedAt: now,
  }), ifNoneMatch, `vault '${vaultName}'`);
  return vaultResponse(201, saved);
}

/** PATCH of a vault (ARM's Vaults_Update): tags and properties, guarded by the ETag (the caller's If-Match, or the one just read). */
export async function patchVaultHandler(ctx: ArmContext): Promise<ArmResponse> {
  const input = parseBody(vaultPatchInput, parseJson(ctx.request.bodyText));
  const existing = await ctx.requireVault();
  const saved = await ctx.store.replaceVault(
    { ...existing, tags: input.tags ?? existing.tags, properties: { ...existing.properties, ...(input.properties ?? {}) }, updatedAt: ctx.now().toISOString() },
    { ifMatch: ctx.request.headers['if-match'] ?? existing._etag },
  );
  return vaultResponse(200, saved);
}

export async function getVaultHandler(ctx: ArmContext): Promise<ArmResponse> {
  return vaultResponse(200, await ctx.requireVault());
}

/** DELETE of a vault: refused while it holds fabrics, policies, items or plans. */
export async function deleteVaultHandler(ctx: ArmContext): Promise<ArmResponse> {
  const [subscriptionId, resourceGroupName, vaultName] = ctx.captures;
  const key = vaultKeyOf({ subscriptionId, resourceGroupName, vaultName });
  const existing = await ctx.store.getVault(key);
  if (!existing) return { status: 204, headers: {} };
  const [first] = (await ctx.store.listResources(key, { kind: 'fabric', maxItemCount: 1 })).items;
  // Registered sites and registration keys are the vault's credentials, not resources a user removes: they go with it.
  const userResources = first ?? (await ctx.store.listResources(key, { kind: 'policy', maxItemCount: 1 })).items[0]
    ?? (await ctx.store.listResources(key, { kind: 'recoveryPlan', maxItemCount: 1 })).items[0];
  if (!userResources) await new SiteRegistry(ctx.store).forgetVault(key);
  const count = await ctx.store.countResources(key, 1);
  if (count > 0) {
    throw new ServiceError('ResourceInUse',
      `vault '${existing.name}' still holds resources${first ? ` (e.g. fabric '${first.name}')` : ''}; remove its protected items, plans, policies and fabrics first`);
  }
  await ctx.store.deleteVault(key, { ifMatch: ctx.request.headers['if-match'] ?? existing._etag });
  return { status: 200, headers: {} };
}

/** GET of the vaults in a resource group. */
export async function listVaultsHandler(ctx: ArmContext): Promise<ArmResponse> {
  const [subscriptionId, resourceGroupName] = ctx.captures;
  const page = await ctx.store.listVaults(subscriptionId, resourceGroupName, {
    maxItemCount: ctx.pageSize,
    continuationToken: skipTokenOf(ctx.url),
  });
  const nextLink = nextLinkOf(ctx.url, page.continuationToken);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { value: page.items.map(shapeVault), ...(nextLink ? { nextLink } : {}) },
  };
}
