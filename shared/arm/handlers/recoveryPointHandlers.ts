import { ServiceError } from '../../errors';
import { resourceDocumentId, type ProtectedItemProperties, type RecoveryPointDocument, type ResourceDocument } from '../../metadata';
import {
  cutTimeOfItemRecoveryPoint, disksMissingCut, itemRecoveryPoints, type DiskPointOfCut, type ItemRecoveryPoint,
} from '../../contracts/ItemRecoveryPoint';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { nextLinkOf, skipTokenOf } from '../paging';
import { protectedItemResource } from '../resources';

const TYPE = 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems/recoveryPoints';

/**
 * ASR's `RecoveryPoint`. HyperVReplicaAzure has no recovery point details in ASR's models (the
 * official client knows A2A and InMage ones only), so `providerSpecificDetails` is absent; the
 * disk points of the cut are our extension (`diskRecoveryPoints`, docs/api.md).
 */
function shape(item: ResourceDocument<ProtectedItemProperties>, p: ItemRecoveryPoint): Record<string, unknown> {
  return {
    id: `${item.armId}/recoveryPoints/${p.name}`,
    name: p.name,
    type: TYPE,
    properties: {
      recoveryPointTime: new Date(p.cutTimeMs).toISOString(),
      recoveryPointType: p.type,
      diskRecoveryPoints: p.disks.map((d) => ({ diskId: d.disk, name: d.name, recoveryPointType: d.type })),
    },
  };
}

async function requireItem(ctx: ArmContext, names: string[]): Promise<ResourceDocument<ProtectedItemProperties>> {
  await ctx.requireVault();
  const segs = names.flatMap((n, i) => [protectedItemResource.collections[i], n]);
  const item = await ctx.store.getResource(ctx.vaultKey!, resourceDocumentId(segs));
  if (!item || item.kind !== 'protectedItem') {
    throw new ServiceError('NotFound', `replicationProtectedItems '${names[2]}' does not exist in container '${names[1]}'`);
  }
  return item as unknown as ResourceDocument<ProtectedItemProperties>;
}

/** The disk this point document belongs to (the merge engine keys its snapshot by disk). */
function diskPointOf(doc: RecoveryPointDocument): DiskPointOfCut | undefined {
  const disk = Object.keys(doc.diskSnapshots ?? {})[0];
  return disk ? { disk, name: doc.name, cutTimeMs: Date.parse(doc.recoveryPointTime), type: doc.recoveryPointType } : undefined;
}

/** Every disk point of the item: bounded by the policy's retention, so one item's are read whole and grouped here. */
async function diskPointsOf(ctx: ArmContext, item: ResourceDocument<ProtectedItemProperties>): Promise<DiskPointOfCut[]> {
  const out: DiskPointOfCut[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.store.listRecoveryPoints(ctx.vaultKey!, item.armId, { continuationToken: token });
    for (const doc of page.items) {
      const p = diskPointOf(doc);
      if (p) out.push(p);
    }
    token = page.continuationToken;
  } while (token);
  return out;
}

const diskIdsOf = (item: ResourceDocument<ProtectedItemProperties>) => item.properties.providerSpecificDetails.disks.map((d) => d.diskId);

/** GET …/replicationProtectedItems/{item}/recoveryPoints: one point per cut every disk has, newest first. */
export async function listRecoveryPointsHandler(ctx: ArmContext, names: string[]): Promise<ArmResponse> {
  const item = await requireItem(ctx, names);
  const all = itemRecoveryPoints(diskIdsOf(item), await diskPointsOf(ctx, item));
  // The page token is the name of the last point sent: points are named by cut time, newest first.
  const after = skipTokenOf(ctx.url);
  const from = after === undefined ? 0 : all.findIndex((p) => p.name < after);
  const page = from < 0 ? [] : all.slice(from, from + ctx.pageSize);
  const more = from >= 0 && from + ctx.pageSize < all.length;
  const nextLink = more ? nextLinkOf(ctx.url, page[page.length - 1].name) : undefined;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { value: page.map((p) => shape(item, p)), ...(nextLink ? { nextLink } : {}) } };
}

/** GET …/recoveryPoints/{point}: an item point by its name (the cut time). */
export async function getRecoveryPointHandler(ctx: ArmContext, names: string[], pointName: string): Promise<ArmResponse> {
  const item = await requireItem(ctx, names);
  const cut = cutTimeOfItemRecoveryPoint(pointName);
  const diskPoints = cut === undefined ? [] : await diskPointsOf(ctx, item);
  const point = itemRecoveryPoints(diskIdsOf(item), diskPoints).find((p) => p.name === pointName);
  if (!point) {
    const missing = cut === undefined ? [] : disksMissingCut(diskIdsOf(item), diskPoints, cut);
    const why = cut === undefined
      ? 'recovery points are named by their cut time (e.g. 20261205T041000000Z)'
      : missing.length < diskIdsOf(item).length ? `disk ${missing.join(', ')} has no point at that cut, so the item has none` : 'no disk has a point at that cut (retention may have removed it)';
    throw new ServiceError('NotFound', `recovery point '${pointName}' does not exist for '${item.name}': ${why}; list the item's recovery points and choose one of them`);
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: shape(item, point) };
}
