import { ServiceError } from '../../errors';
import type { RecoveryPointDocument } from '../../metadata';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { nextLinkOf, skipTokenOf } from '../paging';
import { protectedItemResource } from '../resources';
import { documentIdOf } from '../resourceIds';

const TYPE = 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/recoveryPoints';

function shape(p: RecoveryPointDocument): Record<string, unknown> {
  return {
    id: p.armId,
    name: p.name,
    type: TYPE,
    properties: {
      recoveryPointTime: p.recoveryPointTime,
      recoveryPointType: p.recoveryPointType,
      providerSpecificDetails: { instanceType: 'HyperVReplicaAzure' },
    },
  };
}

async function requireItem(ctx: ArmContext, names: string[]) {
  await ctx.requireVault();
  const segs = names.flatMap((n, i) => [protectedItemResource.collections[i], n]);
  const item = await ctx.store.getResource(ctx.vaultKey!, documentIdOf(segs));
  if (!item || item.kind !== 'protectedItem') {
    throw new ServiceError('NotFound', `replicationProtectedItems '${names[2]}' does not exist in container '${names[1]}'`);
  }
  return item;
}

/** GET …/replicationProtectedItems/{item}/recoveryPoints, newest first. */
export async function listRecoveryPointsHandler(ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  const item = await requireItem(ctx, names);
  const page = await ctx.store.listRecoveryPoints(ctx.vaultKey!, item.armId, {
    maxItemCount: ctx.pageSize,
    continuationToken: skipTokenOf(ctx.url),
  });
  const nextLink = nextLinkOf(ctx.url, page.continuationToken);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { value: page.items.map(shape), ...(nextLink ? { nextLink } : {}) } };
}

/** GET …/recoveryPoints/{point}. */
export async function getRecoveryPointHandler(ctx: ArmContext, names: string[], pointName: string): Promise<ArmResponse> {
  const item = await requireItem(ctx, names);
  const point = await ctx.store.getRecoveryPoint(ctx.vaultKey!, recoveryPointDocumentId(item.armId, pointName));
  if (!point) throw new ServiceError('NotFound', `recovery point '${pointName}' does not exist for '${item.name}'`);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: shape(point) };
}

/** The document id of an item's recovery point (the writer of points uses the same rule). */
export function recoveryPointDocumentId(itemArmId: string, pointName: string): string {
  const rel = itemArmId.toLowerCase().split('/providers/microsoft.recoveryservices/vaults/')[1]?.split('/').slice(1) ?? [];
  return documentIdOf([...rel, 'recoveryPoints', pointName]);
}
