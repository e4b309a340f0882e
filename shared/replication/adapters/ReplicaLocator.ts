import type { MetadataStore, ResourceDocument, ProtectedItemProperties } from '../../metadata';
import { DiskRef } from '../../contracts/DiskRef';

/** Where a disk's protected item lives in the metadata store. */
export interface ReplicaLocation {
  vaultKey: string;
  item: ResourceDocument<ProtectedItemProperties>;
}

/** Finds the protected item a disk's blobs belong to; `undefined` if it is not (or no longer) protected. */
export type ReplicaLocator = (disk: DiskRef) => Promise<ReplicaLocation | undefined>;

/**
 * The `{vault}` path segment of a vault: its key (`sub/rg/vault`, lower case) with `/` written
 * as `~`, so it fits one blob path segment and maps back without a lookup.
 */
export function vaultSegmentOf(vaultKey: string): string {
  return vaultKey.toLowerCase().replace(/\//g, '~');
}

export function vaultKeyOfSegment(segment: string): string {
  return segment.toLowerCase().replace(/~/g, '/');
}

/**
 * The default locator: `{vault}` is {@link vaultSegmentOf} the vault key, `{item}` the protected
 * item's name (its last ARM segment). The item is looked up by name once and then re-read by id.
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
      const found = page.items.find((r) => r.name.toLowerCase() === disk.item.toLowerCase());
      if (found) {
        ids.set(cacheKey, found.id);
        return { vaultKey, item: found as unknown as ResourceDocument<ProtectedItemProperties> };
      }
      token = page.continuationToken;
    } while (token);
    return undefined;
  };
}
