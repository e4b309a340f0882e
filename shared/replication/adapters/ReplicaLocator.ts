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
 * item's name (its last ARM segment). The item is looked up by name once (a listing of the vault's
 * items, whose ids are all remembered) and then re-read by id.
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
    let token: string | undefined;
    do {
      const page = await store.listResources(vaultKey, { kind: 'protectedItem', continuationToken: token });
      // Remember every item the page shows, not only the one looked for: a vault of 2,000 items
      // then costs one listing, not one per item (the first merge of each disk would list them all).
      for (const r of page.items) ids.set(`${vaultKey}#${r.name.toLowerCase()}`, r.id);
      const found = page.items.find((r) => r.name.toLowerCase() === disk.item.toLowerCase());
      if (found) return { vaultKey, item: found as unknown as ResourceDocument<ProtectedItemProperties> };
      token = page.continuationToken;
    } while (token);
    return undefined;
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
