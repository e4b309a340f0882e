import { ServiceError } from '../../errors';
import { resourceDocumentId, type ResourceDocument, type VaultDocument } from '../../metadata';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import type { BuildContext, ResourceDefinition } from '../ResourceDefinition';
import { nextLinkOf, skipTokenOf } from '../paging';
import { operationLocation } from '../operationResults';
import { parseBody, parseJson } from '../parseBody';
import { presentScopeOf, shapeResource } from '../shapeResource';
import { createOnly } from './createOnly';

const JSON_HEADERS = { 'content-type': 'application/json' };
/**
 * Attempts of a read-modify-write when the caller sent no If-Match: each round of racing
 * writers lets one through, so this many concurrent unconditional updates all land.
 */
const UNCONDITIONAL_ATTEMPTS = 8;

/** The path segments below the vault: collections interleaved with names. */
function segmentsOf(def: ResourceDefinition<any>, names: string[]): string[] {
  return names.flatMap((n, i) => [def.collections[i], n]);
}

function describe(def: ResourceDefinition<any>, names: string[]): string {
  return `${def.collections[names.length - 1]} '${names[names.length - 1]}'`;
}

/** Loads the vault and the stored ancestors (fabric, container) the path names; NotFound for a missing one. */
async function scope(def: ResourceDefinition<any>, ctx: ArmContext, names: string[]): Promise<BuildContext> {
  const vault: VaultDocument = await ctx.requireVault();
  const ancestorIds: string[] = [];
  for (const level of def.storedAncestors) {
    if (level >= names.length) continue;
    const segs = segmentsOf(def, names.slice(0, level + 1));
    const doc = await ctx.store.getResource(ctx.vaultKey!, resourceDocumentId(segs));
    if (!doc) {
      throw new ServiceError('NotFound', `${def.collections[level]} '${names[level]}' does not exist in vault '${vault.name}'; create it first`);
    }
    ancestorIds.push(doc.armId);
  }
  const segments = segmentsOf(def, names);
  return {
    store: ctx.store,
    vaultKey: ctx.vaultKey!,
    vaultArmId: vault.armId,
    vaultLocation: vault.location,
    name: names[names.length - 1],
    armId: `${vault.armId}/${segments.join('/')}`,
    names,
    ancestorIds,
    recoveryResourceGroup: ctx.recoveryResourceGroup,
    development: ctx.development,
  };
}

async function resourceResponse(ctx: ArmContext, status: number, def: ResourceDefinition<any>, doc: ResourceDocument<any>, b: BuildContext): Promise<ArmResponse> {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (doc._etag) headers.etag = doc._etag;
  return { status, headers, body: await shapeResource(doc, def, b.vaultLocation, presentScopeOf(ctx)) };
}

function accepted(ctx: ArmContext, b: BuildContext, op: 'put' | 'delete', docId: string): ArmResponse {
  return {
    status: 202,
    headers: { location: operationLocation(ctx.url, b.vaultArmId, { op, doc: docId }), 'retry-after': '0' },
  };
}

/** Names of the resources (up to a few) that still point at `doc`, for a 409. */
async function refuseIfReferenced(ctx: ArmContext, b: BuildContext, what: string, doc: ResourceDocument<any>): Promise<void> {
  const referrers = await ctx.store.findReferrers(b.vaultKey, doc.armId.toLowerCase(), 5);
  if (referrers.length === 0) return;
  const list = referrers.map((r) => `${r.kind} '${r.name}' (${r.armId})`).join(', ');
  throw new ServiceError('ResourceInUse', `${what} is still referenced by ${list}; remove those references first`,
    { details: { referencedBy: referrers.map((r) => r.armId) } });
}

/** GET of one resource. */
export async function getResourceHandler(def: ResourceDefinition<any>, ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  const b = await scope(def, ctx, names);
  const doc = await ctx.store.getResource(b.vaultKey, resourceDocumentId(segmentsOf(def, names)));
  if (!doc || doc.kind !== def.kind) throw new ServiceError('NotFound', `${describe(def, names)} does not exist in this vault`);
  return resourceResponse(ctx, 200, def, doc, b);
}

/** PUT: create, or replace when the kind allows it. */
export async function putResourceHandler(def: ResourceDefinition<any>, ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  const b = await scope(def, ctx, names);
  const input = parseBody(def.createSchema, parseJson(ctx.request.bodyText));
  const id = resourceDocumentId(segmentsOf(def, names));
  const existing = await ctx.store.getResource(b.vaultKey, id);
  const ifMatch = ctx.request.headers['if-match'];
  if (existing && !def.putReplaces) {
    if (!def.existingPut || ctx.request.headers['if-none-match'] === '*' || existing.kind !== def.kind) {
      throw new ServiceError('Conflict', `${describe(def, names)} already exists; delete it first or update it with PATCH`);
    }
    await def.existingPut(input, existing, b);
    if (def.asyncPut) return accepted(ctx, b, 'put', id);
    return resourceResponse(ctx, 200, def, existing, b);
  }
  if (existing && ctx.request.headers['if-none-match'] === '*') {
    throw new ServiceError('PreconditionFailed', `${describe(def, names)} already exists (If-None-Match: *)`);
  }
  if (!existing && ifMatch) throw new ServiceError('PreconditionFailed', `${describe(def, names)} does not exist, so If-Match cannot match`);
  const built = await def.build(input, b, existing);
  const now = ctx.now().toISOString();
  const refs = [...new Set([...b.ancestorIds.map((a) => a.toLowerCase()), ...built.refs])];
  const parentSegs = segmentsOf(def, names).slice(0, -2);
  const doc: ResourceDocument<any> = {
    ...(existing ?? {}),
    id,
    vaultKey: b.vaultKey,
    kind: def.kind,
    name: existing?.name ?? b.name,
    armId: existing?.armId ?? b.armId,
    parentId: parentSegs.length ? `${b.vaultArmId}/${parentSegs.join('/')}`.toLowerCase() : undefined,
    refs,
    properties: built.properties,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    createdBy: existing?.createdBy ?? ctx.principal.subject,
    updatedBy: ctx.principal.subject,
  };
  const saved = existing
    ? await ctx.store.replaceResource(doc, { ifMatch: ifMatch ?? existing._etag })
    : await createOnly(() => ctx.store.createResource(doc), ctx.request.headers['if-none-match'] === '*', describe(def, names));
  if (def.asyncPut) return accepted(ctx, b, 'put', id);
  return resourceResponse(ctx, existing || def.createAnswers200 ? 200 : 201, def, saved, b);
}

/** PATCH: a read-modify-write guarded by the ETag (the caller's If-Match, or the one just read). */
export async function patchResourceHandler(def: ResourceDefinition<any>, ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  if (!def.update || !def.updateSchema) {
    throw new ServiceError('MethodNotAllowed', `${def.collections[def.collections.length - 1]} cannot be updated with PATCH; use PUT`);
  }
  const b = await scope(def, ctx, names);
  const input = parseBody(def.updateSchema, parseJson(ctx.request.bodyText));
  const id = resourceDocumentId(segmentsOf(def, names));
  const ifMatch = ctx.request.headers['if-match'];
  for (let attempt = 1; ; attempt++) {
    const existing = await ctx.store.getResource(b.vaultKey, id);
    if (!existing || existing.kind !== def.kind) throw new ServiceError('NotFound', `${describe(def, names)} does not exist in this vault`);
    const built = await def.update(input, existing, b);
    const doc = {
      ...existing,
      refs: [...new Set([...b.ancestorIds.map((a) => a.toLowerCase()), ...built.refs])],
      properties: built.properties,
      updatedAt: ctx.now().toISOString(),
      updatedBy: ctx.principal.subject,
    };
    try {
      const saved = await ctx.store.replaceResource(doc, { ifMatch: ifMatch ?? existing._etag });
      return resourceResponse(ctx, 200, def, saved, b);
    } catch (err) {
      const lostRace = err instanceof ServiceError && err.code === 'PreconditionFailed' && !ifMatch;
      if (!lostRace || attempt >= UNCONDITIONAL_ATTEMPTS) throw err;
      // Jitter so the losers do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** DELETE: refused while referenced; absent resources answer 204 (ARM deletes are idempotent). */
export async function deleteResourceHandler(def: ResourceDefinition<any>, ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  const b = await scope(def, ctx, names);
  const id = resourceDocumentId(segmentsOf(def, names));
  const existing = await ctx.store.getResource(b.vaultKey, id);
  if (!existing || existing.kind !== def.kind) return { status: 204, headers: {} };
  await refuseIfReferenced(ctx, b, describe(def, names), existing);
  await ctx.store.deleteResource(b.vaultKey, id, { ifMatch: ctx.request.headers['if-match'] ?? existing._etag });
  await def.afterDelete?.(existing, b);
  if (def.asyncDelete) return accepted(ctx, b, 'delete', id);
  return { status: 200, headers: {} };
}

/** GET of a collection: under a parent when `names` has the parents' names, else vault-wide. */
export async function listResourcesHandler(def: ResourceDefinition<any>, ctx: ArmContext, parentNames: string[] | undefined): Promise<ArmResponse> {
  const b = await scope(def, ctx, parentNames ?? []);
  const parentSegs = parentNames ? segmentsOf(def, parentNames) : [];
  const top = Number(ctx.url.searchParams.get('$top'));
  const page = await ctx.store.listResources(b.vaultKey, {
    kind: def.kind,
    parentId: parentNames && parentNames.length ? `${b.vaultArmId}/${parentSegs.join('/')}`.toLowerCase() : undefined,
    maxItemCount: Number.isInteger(top) && top > 0 ? Math.min(top, ctx.pageSize) : ctx.pageSize,
    continuationToken: skipTokenOf(ctx.url),
  });
  const nextLink = nextLinkOf(ctx.url, page.continuationToken);
  const presentScope = presentScopeOf(ctx);
  return {
    status: 200,
    headers: { ...JSON_HEADERS },
    body: { value: await Promise.all(page.items.map((d) => shapeResource(d, def, b.vaultLocation, presentScope))), ...(nextLink ? { nextLink } : {}) },
  };
}
