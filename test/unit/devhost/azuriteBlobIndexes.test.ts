import { AZURITE_BLOBS_COLLECTION, azuriteLoki, installAzuriteBlobIndexes, literalPrefixOf, prefixUpperBound } from '../../../devhost/emulators/azuriteBlobIndexes';

/* eslint-disable @typescript-eslint/no-explicit-any */
const Loki = azuriteLoki() as any;
installAzuriteBlobIndexes(Loki);

interface Doc { accountName: string; containerName: string; name: string; snapshot: string; isCommitted: boolean }

/** Azurite's own escaping (LokiBlobMetadataStore.escapeRegex). */
const escapeRegex = (s: string) => s.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');

function fleet(collectionName: string): { coll: any; docs: Doc[]; reads: { n: number } } {
  const db = new Loki('test.db');
  const coll = db.addCollection(collectionName, { indices: ['accountName', 'containerName', 'name', 'snapshot'] });
  const docs: Doc[] = [];
  const reads = { n: 0 };
  for (const containerName of ['vhds', 'hrl', 'hrl-journal']) {
    for (let i = 0; i < 300; i++) {
      for (const snapshot of i % 7 === 0 ? ['', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:01.0000000Z'] : ['']) {
        const doc = { accountName: 'devstoreaccount1', snapshot, isCommitted: i % 11 !== 0 } as Doc;
        // Counts how often a query looks at a document's container or name: a scan reads all of them.
        const fields: Record<string, string> = { containerName, name: `v/vm${String(i).padStart(4, '0')}/os${i % 3 === 0 ? '.x(1)' : ''}` };
        for (const f of Object.keys(fields)) {
          Object.defineProperty(doc, f, { enumerable: true, get: () => { reads.n++; return fields[f]; }, set: (v: string) => { fields[f] = v; } });
        }
        docs.push(doc);
        coll.insert(doc);
      }
    }
  }
  reads.n = 0;
  return { coll, docs, reads };
}

const key = (d: Doc) => `${d.containerName}|${d.name}|${d.snapshot}`;
const sorted = (ds: Doc[]) => ds.map(key).sort();

describe('LokiJS blob lookups by name first (emulator cost per request independent of the blob count)', () => {
  it('finds one blob by account, container, name and snapshot, reading only the documents of that name', () => {
    const { coll, docs, reads } = fleet(AZURITE_BLOBS_COLLECTION);
    const want = docs.find((d) => d.containerName === 'hrl' && d.name === 'v/vm0014/os' && d.snapshot === '2026-01-01T00:00:01.0000000Z')!;
    reads.n = 0;
    const got = coll.findOne({ accountName: 'devstoreaccount1', containerName: 'hrl', name: 'v/vm0014/os', snapshot: '2026-01-01T00:00:01.0000000Z' });
    const read = reads.n;
    expect(key(got)).toBe(key(want));
    // A binary search of the name index (start and end of the range, about 4 x log2(1,080) reads), then the 3 containers x 3 versions of that name.
    expect(read).toBeLessThanOrEqual(4 * 11 + 2 * 9);
    expect(coll.findOne({ accountName: 'devstoreaccount1', containerName: 'hrl', name: 'v/vm0014/os', snapshot: 'nope' })).toBeNull();
    expect(coll.count({ accountName: 'devstoreaccount1', containerName: 'vhds', name: 'v/vm0014/os' })).toBe(3);
  });

  it('lists by literal prefix exactly as the regex does, metacharacters included, reading only that range', () => {
    const { coll, docs, reads } = fleet(AZURITE_BLOBS_COLLECTION);
    for (const prefix of ['v/vm001', 'v/vm0003/os.x(1)', 'v/vm02', 'v/vm0299/os', 'w/', 'v/']) {
      reads.n = 0;
      const got = coll.chain().find({ name: { $regex: `^${escapeRegex(prefix)}` }, accountName: 'devstoreaccount1', containerName: 'hrl-journal' })
        .where((d: Doc) => d.isCommitted).data() as Doc[];
      const read = reads.n;
      const want = docs.filter((d) => d.name.startsWith(prefix) && d.containerName === 'hrl-journal' && d.isCommitted);
      expect(sorted(got)).toEqual(sorted(want));
      const inRange = docs.filter((d) => d.name.startsWith(prefix)).length;
      expect(read).toBeLessThanOrEqual(4 * 11 + 2 * inRange);
    }
  });

  it('leaves other collections, non-literal patterns and chained queries to LokiJS as they were', () => {
    const { coll, docs, reads } = fleet('$BLOCKS_COLLECTION$');
    coll.findOne({ accountName: 'devstoreaccount1', containerName: 'hrl', name: 'v/vm0014/os' });
    expect(reads.n).toBeGreaterThan(1000); // a scan: not patched
    const blobs = fleet(AZURITE_BLOBS_COLLECTION);
    const got = blobs.coll.find({ name: { $regex: '^v/vm00[12]' }, containerName: 'vhds' }) as Doc[];
    expect(sorted(got)).toEqual(sorted(blobs.docs.filter((d) => /^v\/vm00[12]/.test(d.name) && d.containerName === 'vhds')));
    expect(docs.length).toBe(blobs.docs.length);
  });

  it('deletes a blob and its snapshots keeping every index in order, without rebuilding them', () => {
    const { coll, docs } = fleet(AZURITE_BLOBS_COLLECTION);
    const rebuild = jest.spyOn(coll, 'ensureAllIndexes');
    let left = docs;
    for (const [containerName, name] of [['hrl', 'v/vm0014/os'], ['vhds', 'v/vm0001/os'], ['hrl-journal', 'v/vm0299/os'], ['vhds', 'v/vm0000/os.x(1)']]) {
      coll.findAndRemove({ accountName: 'devstoreaccount1', containerName, name });
      left = left.filter((d) => !(d.containerName === containerName && d.name === name));
    }
    coll.findAndRemove({ accountName: 'devstoreaccount1', containerName: 'vhds', name: 'v/vm0007/os', snapshot: { $gt: '' } });
    left = left.filter((d) => !(d.containerName === 'vhds' && d.name === 'v/vm0007/os' && d.snapshot > ''));
    expect(rebuild).not.toHaveBeenCalled();
    expect(coll.count()).toBe(left.length);
    for (const field of ['accountName', 'containerName', 'name', 'snapshot'] as const) {
      const values = (coll.binaryIndices[field].values as number[]).map((i) => coll.data[i][field] as string);
      expect(values).toEqual([...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    for (const d of left.filter((_, i) => i % 17 === 0)) {
      expect(key(coll.findOne({ accountName: 'devstoreaccount1', containerName: d.containerName, name: d.name, snapshot: d.snapshot }))).toBe(key(d));
    }
    expect(coll.findOne({ accountName: 'devstoreaccount1', containerName: 'hrl', name: 'v/vm0014/os', snapshot: '' })).toBeNull();
    expect(coll.count({ accountName: 'devstoreaccount1', containerName: 'vhds', name: 'v/vm0007/os' })).toBe(1);
  });

  it('reads a literal prefix back from Azurite\'s escaping and bounds its range', () => {
    expect(literalPrefixOf(`^${escapeRegex('a/b.c(1)-[x]')}`)).toBe('a/b.c(1)-[x]');
    expect(literalPrefixOf('^a.b')).toBeUndefined();
    expect(literalPrefixOf('a')).toBeUndefined();
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\uffff')).toBe('b');
    expect(prefixUpperBound('\uffff')).toBeUndefined();
  });
});
