import type { MetadataStore, ResourceDocument, ProtectedItemProperties } from '../../metadata';
import { DiskRef } from '../../contracts/DiskRef';
import { vaultKeyOfSegment } from '../../contracts/vaultSegment';

/** Where a disk's protected item lives in the metadata store. */
export interface ReplicaLocation {
  vaultKey: string;
  item: ResourceDocument<ProtectedItemProperties>;
}

/** Finds the protected item a disk's blobs belong to; `undefined` if it is not (or no longer) protected. */
export type ReplicaLocator = (disk: DiskRef) => Promise<ReplicaLocation | undefined>;

/**
 * The default locator: `{vault}` is the vault key's segment (shared/contracts/vaultSegment), `{item}` the protected
 * item's name (its last ARM segment). The item is looked up by name once (one query that answers
 * it, whatever the vault holds) and then re-read by id.
 */
export function metadataReplicaLocator(store: MetadataStore): ReplicaLocator {
  const ids = new Map<string, string>();
  return async (disk) => {
    const vaultKey = vaultKeyOfSegment(disk.vault);
    const cacheKey = `${vaultKey}#${disk.item.toLowerCase()}`;
    const known = ids.get(cacheKey);
    if (known) {
      const item = await store.getResource<ProtectedItemProperties>(vaultKey, known);
      if (item) return { vaultKey, item };
      ids.delete(cacheKey);
    }
    // By name, not a listing of the vault's items: every disk's first merge comes here, and at
    // 2,000 items paging through the vault from each cost the local Cosmos DB server most of its
    // time while a fleet was being protected (issue 17).
    const { items: [found] } = await store.listResources(vaultKey, { kind: 'protectedItem', name: disk.item, maxItemCount: 1 });
    if (!found) return undefined;
    ids.set(cacheKey, found.id);
    return { vaultKey, item: found as unknown as ResourceDocument<ProtectedItemProperties> };
  };
}

/** A locator that records what it finds, and one that answers from those records while they are recent. */
export interface RememberedLocations {
  /** Reads the item (as `locate` does) and remembers where it is. */
  fresh: ReplicaLocator;
  /** Where the item was found within `ttlMs` by `fresh`, else `fresh`. */
  recent: ReplicaLocator;
}

/**
 * For what needs only where a disk's item lives (its vault key and ARM id, fixed for the item's
 * life), not its current properties or ETag: the recovery point records. The merge locates the
 * item for its settings at the start of every round, so the cut and the prune that follow reuse
 * that answer instead of reading the item twice more. Writes to the item itself (health, merge
 * progress) keep reading it fresh, for their If-Match.
 */
export function rememberLocations(locate: ReplicaLocator, ttlMs: number, now: () => number = Date.now): RememberedLocations {
  const known = new Map<string, { at: number; where: ReplicaLocation }>();
  const keyOf = (disk: DiskRef) => `${disk.vault}#${disk.item}`.toLowerCase();
  const fresh: ReplicaLocator = async (disk) => {
    const where = await locate(disk);
    if (where) known.set(keyOf(disk), { at: now(), where });
    else known.delete(keyOf(disk));
    return where;
  };
  const recent: ReplicaLocator = async (disk) => {
    const hit = known.get(keyOf(disk));
    return hit && now() - hit.at < ttlMs ? hit.where : fresh(disk);
  };
  return { fresh, recent };
}
