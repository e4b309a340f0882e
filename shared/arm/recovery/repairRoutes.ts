import { ServiceError } from '../../errors';
import { resourceDocumentId, type ProtectedItemProperties, type ResourceDocument } from '../../metadata';
import type { ReplicationRepairs } from '../../recovery/service/ReplicationRepairs';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from '../ArmRoute';
import { protectedItemResource } from '../resources';
import { presentScopeOf, shapeResource } from '../shapeResource';

const JSON_HEADERS = { 'content-type': 'application/json' };
const ITEM = [...VAULT_PREFIX, 'replicationFabrics', '{fabric}', 'replicationProtectionContainers', '{container}', 'replicationProtectedItems', '{item}'];
/** The poll path of a repair: the epoch it started names it. */
export const REPAIR_RESULTS_SEGMENT = 'repairReplicationResults';

async function loadItem(ctx: ArmContext): Promise<{ location: string; item: ResourceDocument<ProtectedItemProperties> }> {
  const vault = await ctx.requireVault();
  const [fabric, container, name] = ctx.captures.slice(3);
  const doc = await ctx.store.getResource<ProtectedItemProperties>(ctx.vaultKey!, resourceDocumentId(['replicationFabrics', fabric, 'replicationProtectionContainers', container, 'replicationProtectedItems', name]));
  if (!doc) throw new ServiceError('NotFound', `protected item '${name}' does not exist in vault '${vault.name}'`);
  return { location: vault.location, item: doc };
}

function pollLocation(ctx: ArmContext, item: ResourceDocument, epoch: number): string {
  const url = new URL(`${item.armId}/${REPAIR_RESULTS_SEGMENT}/${epoch}`, ctx.url.origin);
  const v = ctx.url.searchParams.get('api-version');
  if (v) url.searchParams.set('api-version', v);
  return url.toString();
}

/**
 * `POST …/replicationProtectedItems/{item}/repairReplication`: starts the service's half of a
 * resync at once (new epoch, replica digests, the request the agent polls) and answers 202; the
 * poll answers 202 until the agent has shipped the differing blocks and the new epoch's seed is
 * merged, then 200 with the item (back to Protected). With no agent running, the repair waits
 * for it (the item shows ResynchronizationInProgress meanwhile).
 */
async function repairHandler(ctx: ArmContext, repairs: ReplicationRepairs): Promise<ArmResponse> {
  const { location, item } = await loadItem(ctx);
  const request = await repairs.start(ctx.vaultKey!, item, ctx.principal.name ?? ctx.principal.subject);
  const fresh = (await ctx.store.getResource<ProtectedItemProperties>(ctx.vaultKey!, item.id)) ?? item;
  return {
    status: 202,
    headers: { ...JSON_HEADERS, location: pollLocation(ctx, item as unknown as ResourceDocument, request.epoch), 'retry-after': '2' },
    body: await shapeResource(fresh as unknown as ResourceDocument, protectedItemResource, location, presentScopeOf(ctx)),
  };
}

async function repairResultHandler(ctx: ArmContext, repairs: ReplicationRepairs): Promise<ArmResponse> {
  const { location, item } = await loadItem(ctx);
  const epoch = Number(ctx.captures[6]);
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new ServiceError('NotFound', `'${ctx.captures[6]}' is not a repair this service started`);
  const progress = await repairs.progress(ctx.vaultKey!, item, epoch);
  if (progress === 'InProgress') return { status: 202, headers: { location: ctx.url.toString(), 'retry-after': '2' } };
  if (progress === 'Lost') {
    throw new ServiceError('RepairLost', `the replicas of '${item.name}' are back below epoch ${epoch}: storage lost the repair's own writes; request the repair again`);
  }
  return { status: 200, headers: JSON_HEADERS, body: await shapeResource(item as unknown as ResourceDocument, protectedItemResource, location, presentScopeOf(ctx)) };
}

/** The repair routes; `repairs` is built on first use (it needs the replica storage). */
export function repairRoutes(repairs: () => Promise<ReplicationRepairs>): ArmRoute[] {
  return [
    { method: 'POST', pattern: [...ITEM, 'repairReplication'], role: 'Contributor', action: 'repairReplication replicationProtectedItems', handler: async (ctx) => repairHandler(ctx, await repairs()) },
    { method: 'GET', pattern: [...ITEM, REPAIR_RESULTS_SEGMENT, '{epoch}'], role: 'Reader', action: 'read repairReplication result', handler: async (ctx) => repairResultHandler(ctx, await repairs()) },
  ];
}
