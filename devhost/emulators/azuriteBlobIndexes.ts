import { dirname } from 'node:path';

/** The slice of LokiJS's Resultset that the patch touches (LokiJS ships no typings we use). */
interface LokiResultset {
  filterInitialized: boolean;
  filteredrows: number[];
  collection: { name: string; binaryIndices: Record<string, unknown> };
  find(query: unknown, firstOnly?: boolean): LokiResultset;
}
/** The slice of LokiJS's Collection that the patch touches. */
interface LokiCollection {
  name: string;
  data: object[];
  remove(doc: object): unknown;
  removeBatchByPositions(positions: number[]): unknown;
}
interface LokiModule {
  Resultset: { prototype: LokiResultset };
  Collection: { prototype: LokiCollection };
}

/** Azurite's blob metadata collection (LokiBlobMetadataStore.BLOBS_COLLECTION), indexed on `name`. */
export const AZURITE_BLOBS_COLLECTION = '$BLOBS_COLLECTION$';
const PATCHED = Symbol.for('asr.azuriteBlobIndexes');

/** The literal behind Azurite's `^${escapeRegex(prefix)}`, or undefined if the pattern is anything else. */
export function literalPrefixOf(pattern: string): string | undefined {
  if (!pattern.startsWith('^')) return undefined;
  const body = pattern.slice(1);
  const literal = body.replace(/\\([-/\\^$*+?.()|[\]{}])/g, '$1');
  // Only an exact round trip through Azurite's escaping is a plain prefix (no live metacharacters).
  return literal.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&') === body ? literal : undefined;
}

/** The smallest string greater than every string that starts with `prefix` (undefined: no bound). */
export function prefixUpperBound(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

/**
 * The first filter that uses the `name` index, for a multi-field query on the blobs collection:
 * `name` by equality, or the index range of a literal `^prefix`. Undefined: leave the query alone.
 */
function selectiveFirst(query: Record<string, unknown>): Record<string, unknown> | undefined {
  const v = query.name;
  if (typeof v === 'string') return { name: v };
  if (v === null || typeof v !== 'object') return undefined;
  const ops = Object.keys(v);
  const pattern = (v as { $regex?: unknown }).$regex;
  if (ops.length !== 1 || typeof pattern !== 'string') return undefined;
  const prefix = literalPrefixOf(pattern);
  const upper = prefix ? prefixUpperBound(prefix) : undefined;
  return prefix && upper ? { name: { $between: [prefix, upper] } } : undefined;
}

/**
 * Makes Azurite's blob operations cost what they touch, not the number of blobs in the account
 * (docs/scale.md, "Replication"): the replicas, their snapshots and the journal of a fleet are
 * tens of thousands of blobs in one LokiJS collection. Two changes, to the blobs collection only:
 * - lookups and prefix listings use the `name` index first ({@link installSelectiveFind});
 * - deleting a blob updates the indexes in place instead of rebuilding them all
 *   ({@link installRemoveInPlace}).
 */
export function installAzuriteBlobIndexes(loki: LokiModule): void {
  const proto = loki.Resultset.prototype as LokiResultset & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  installSelectiveFind(loki);
  installRemoveInPlace(loki);
  proto[PATCHED] = true;
}

/**
 * LokiJS removes a batch of documents (Azurite's `findAndRemove`, one per Delete Blob) by
 * rebuilding every binary index of the collection, a sort of all its documents per index; a
 * single document it removes from each index in place. Azurite's deletes remove one blob (or a
 * blob and its few snapshots): remove them one at a time, highest position first so that the
 * positions still to go stay valid. The same documents go; the indexes stay sorted.
 */
function installRemoveInPlace(loki: LokiModule): void {
  const proto = loki.Collection.prototype;
  const original = proto.removeBatchByPositions;
  proto.removeBatchByPositions = function removeBatchByPositions(this: LokiCollection, positions: number[]): unknown {
    if (this.name !== AZURITE_BLOBS_COLLECTION || positions.length > 16) return original.call(this, positions);
    const docs = [...positions].sort((a, b) => b - a).map((p) => this.data[p]);
    for (const doc of docs) this.remove(doc);
    return undefined;
  };
}

/**
 * Makes LokiJS use the `name` index first for Azurite's blob lookups and prefix listings.
 *
 * Why: LokiJS applies the fields of a query object in their order and only the first may use an
 * index. Azurite's queries start with `accountName` (every blob has the same one), so every Get
 * Blob Properties, lease, metadata write and prefix listing scanned every blob of the account:
 * the emulator's cost per request grew with the number of replicas, snapshots and journal
 * entries (docs/scale.md, "Replication"). Filtering by `name` first (an equality, or the index
 * range of the literal prefix) and then by the other fields, the original regex included, selects
 * the same documents. Only the blobs collection, only queries with a plain `name` condition and
 * other plain fields, only on a fresh result set; everything else runs unchanged.
 */
function installSelectiveFind(loki: LokiModule): void {
  const proto = loki.Resultset.prototype;
  const original = proto.find;
  proto.find = function find(this: LokiResultset, query: unknown, firstOnly?: boolean): LokiResultset {
    if (this.filterInitialized || this.collection.name !== AZURITE_BLOBS_COLLECTION || !this.collection.binaryIndices.name
      || query === null || typeof query !== 'object' || Array.isArray(query)) {
      return original.call(this, query, firstOnly);
    }
    const q = query as Record<string, unknown>;
    const keys = Object.keys(q);
    const first = keys.length >= 2 && keys.every((k) => !k.startsWith('$')) ? selectiveFirst(q) : undefined;
    if (!first) return original.call(this, query, firstOnly);
    original.call(this, first);
    for (const k of keys) {
      if (this.filteredrows.length === 0) break;
      if (k === 'name' && typeof q.name === 'string') continue; // already applied, exactly
      original.call(this, { [k]: q[k] });
    }
    if (firstOnly && this.filteredrows.length > 1) this.filteredrows = this.filteredrows.slice(0, 1);
    return this;
  };
}

/** The LokiJS module instance Azurite itself loads. */
export function azuriteLoki(): LokiModule {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const azuriteDir = dirname(require.resolve('azurite/package.json'));
  return require(require.resolve('lokijs', { paths: [azuriteDir] })) as LokiModule;
}
