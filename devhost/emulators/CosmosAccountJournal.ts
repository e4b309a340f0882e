import { z } from 'zod';
import { CorruptFormatError } from '../../shared/errors';
import { CosmosAccount, CosmosItems, CosmosResource, ItemsClass } from './cosmosInternals';

/** Which collection of resources a record is about: databases, or the children of one. */
const itemsPath = z.union([
  z.tuple([z.literal('dbs')]),
  z.tuple([z.literal('colls'), z.string()]),
  z.tuple([z.literal('docs'), z.string(), z.string()]),
  z.tuple([z.literal('udfs'), z.string(), z.string()]),
]);
export type ItemsPath = z.infer<typeof itemsPath>;

const resource = z.looseObject({ id: z.string(), _rid: z.string() });

/**
 * A change to the in-memory state, recorded at the moment it happened: a resource stored
 * exactly as the server stored it (system properties included), a resource removed, or a
 * resource-id counter. Replaying these reproduces _rid, _etag and _ts byte for byte.
 */
export const journalRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('set'), p: itemsPath, rc: z.number().int(), d: resource }),
  z.object({ t: z.literal('del'), p: itemsPath, rid: z.string() }),
  z.object({ t: z.literal('rc'), p: itemsPath, rc: z.number().int() }),
]);
export type JournalRecord = z.infer<typeof journalRecord>;

interface Binding {
  journal: CosmosAccountJournal;
  path: ItemsPath;
}

/** Which journal watches which resource collection; unbound collections are not journaled. */
const bindings = new WeakMap<object, Binding>();
let hooksInstalled = false;

/**
 * Every mutation of the server's state ends in Items#_set (create, replace, upsert, patch,
 * batch, collection defaults) or Items#delete (also the first half of a replace). Wrapping
 * those two, once per process, sees every change in the order it happened; the WeakMap keeps
 * several servers in one process apart.
 */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const proto = ItemsClass.prototype;
  const originalSet = proto._set;
  const originalDelete = proto.delete;
  proto._set = function hookedSet(this: CosmosItems, data: CosmosResource) {
    const stored = originalSet.call(this, data);
    const binding = bindings.get(this);
    if (binding) binding.journal.onSet(this, binding.path, stored);
    return stored;
  };
  proto.delete = function hookedDelete(this: CosmosItems, idOrRid: string, partition?: unknown) {
    const binding = bindings.get(this);
    const victim = binding ? this._item('/id', idOrRid, partition).read() : undefined;
    originalDelete.call(this, idOrRid, partition);
    if (binding && victim) binding.journal.onDelete(binding.path, victim._rid);
  };
}

/** Turns the changes of one in-memory account into journal records, and records back into state. */
export class CosmosAccountJournal {
  private replaying = false;

  constructor(private readonly account: CosmosAccount, private readonly sink: (r: JournalRecord) => void) {
    installHooks();
    bindings.set(account.databases, { journal: this, path: ['dbs'] });
  }

  /** Called by the hook after a resource was stored. */
  onSet(items: CosmosItems, path: ItemsPath, stored: CosmosResource): void {
    if (!this.replaying) this.sink({ t: 'set', p: path, rc: items._ridCount, d: stored });
    this.bindChildren(items, path, stored);
  }

  /** Called by the hook after a resource was removed. */
  onDelete(path: ItemsPath, rid: string): void {
    if (!this.replaying) this.sink({ t: 'del', p: path, rid });
  }

  private bindChildren(items: CosmosItems, path: ItemsPath, stored: CosmosResource): void {
    const item = items._data.get(stored._rid);
    if (!item) return;
    if (path[0] === 'dbs' && item.collections) {
      bindings.set(item.collections, { journal: this, path: ['colls', stored.id] });
    } else if (path[0] === 'colls') {
      if (item.documents) bindings.set(item.documents, { journal: this, path: ['docs', path[1], stored.id] });
      if (item.userDefinedFunctions) {
        bindings.set(item.userDefinedFunctions, { journal: this, path: ['udfs', path[1], stored.id] });
      }
    }
  }

  private resolve(path: ItemsPath): CosmosItems | undefined {
    if (path[0] === 'dbs') return this.account.databases;
    const db = this.account.database(path[1]);
    if (path[0] === 'colls') return db.collections;
    const coll = db.collections?._item('/id', path[2], path[2]);
    return path[0] === 'docs' ? coll?.documents : coll?.userDefinedFunctions;
  }

  /** Applies one record (from a snapshot or the journal) without journaling it again. */
  apply(raw: unknown, where: { file: string; index: number }): void {
    const parsed = journalRecord.safeParse(raw);
    const fail = (reason: string): never => {
      throw new CorruptFormatError(
        { structure: `cosmos journal ${where.file}`, field: `record ${where.index}`, offset: where.index }, reason);
    };
    if (!parsed.success) return fail(`not a journal record: ${parsed.error.message}`);
    const record = parsed.data;
    const items = this.resolve(record.p);
    if (!items) return fail(`its parent ${record.p.join('/')} does not exist`);
    this.replaying = true;
    try {
      if (record.t === 'set') {
        items._set(record.d as CosmosResource);
        items._ridCount = Math.max(items._ridCount, record.rc);
        if (record.p[0] === 'udfs') defineUdf(items, record.d as CosmosResource);
      } else if (record.t === 'del') {
        if (!items._data.has(record.rid)) fail(`resource ${record.rid} to delete is not there`);
        items.delete(record.rid, undefined);
      } else {
        items._ridCount = Math.max(items._ridCount, record.rc);
      }
    } finally {
      this.replaying = false;
    }
  }

  /** The whole current state as records that rebuild it from empty (parents first). */
  snapshotRecords(): JournalRecord[] {
    const out: JournalRecord[] = [];
    const dump = (items: CosmosItems | undefined, path: ItemsPath): CosmosResource[] => {
      if (!items) return [];
      const stored: CosmosResource[] = [];
      for (const item of items._data.values()) {
        const d = item.read();
        if (d) {
          out.push({ t: 'set', p: path, rc: items._ridCount, d });
          stored.push(d);
        }
      }
      out.push({ t: 'rc', p: path, rc: items._ridCount });
      return stored;
    };
    for (const db of dump(this.account.databases, ['dbs'])) {
      const dbItem = this.account.database(db.id);
      for (const coll of dump(dbItem.collections, ['colls', db.id])) {
        const collItem = dbItem.collections?._item('/id', coll.id, coll.id);
        dump(collItem?.documents, ['docs', db.id, coll.id]);
        dump(collItem?.userDefinedFunctions, ['udfs', db.id, coll.id]);
      }
    }
    return out;
  }
}

/** The server compiles a UDF when it is created; a replayed one must be compiled the same way. */
function defineUdf(items: CosmosItems, d: CosmosResource): void {
  const udfs = items as CosmosItems & { functions?: Record<string, unknown> };
  if (udfs.functions && typeof d.body === 'string') {
    udfs.functions[d.id] = new Function(`"use strict";return (${d.body})`)();
  }
}
