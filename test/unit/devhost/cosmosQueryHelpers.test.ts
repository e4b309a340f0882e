import { installLinearQueries, linearFromClause, stripUndefinedLinear } from '../../../devhost/emulators/cosmosQueryHelpers';

/* eslint-disable @typescript-eslint/no-require-imports */
const original = (require('@zeit/cosmosdb-query/lib/helpers') as { stripUndefined: (v: unknown) => unknown }).stripUndefined;
type Answer = { result: unknown[]; continuation: { token: string } | null };
interface Query { readonly code: string; exec(docs: unknown[], options: object): Answer }
const query = (require('@zeit/cosmosdb-query') as { default: (sql: string) => Query }).default;

// The shapes CosmosMetadataStore sends (`page`: partition filter, WHERE, ORDER BY, projections) and two the engine treats apart.
const QUERIES = [
  'SELECT * FROM c WHERE c.vaultKey = @pk AND (c.itemId = @item) ORDER BY c.recoveryPointTime DESC',
  'SELECT c.id FROM c WHERE c.vaultKey = @pk AND (c.itemId = @item)',
  'SELECT * FROM c WHERE c.vaultKey = @pk ORDER BY c.createdAt DESC',
  'SELECT c.vaultKey FROM c WHERE IS_DEFINED(c.outbox) AND ARRAY_LENGTH(c.outbox) > 0',
  'SELECT VALUE COUNT(1) FROM c WHERE c.vaultKey = @pk',
  'SELECT TOP 3 * FROM docs d WHERE d.n > 10',
];
const PARAMS = [{ name: '@pk', value: 'v1' }, { name: '@item', value: 'i3' }];
const DOCS = Array.from({ length: 60 }, (_, n) => ({
  id: `d${n}`, _rid: `r${String(n).padStart(4, '0')}`, n, vaultKey: n % 3 ? 'v1' : 'v2', itemId: `i${n % 5}`,
  recoveryPointTime: `2026-12-06T00:00:${String(59 - n).padStart(2, '0')}Z`, createdAt: n % 7,
  ...(n % 4 === 0 ? { outbox: [{ n }] } : {}), gone: undefined,
}));

/** Every page of a query, continuation tokens included, at page size 7. */
function allPages(q: Query): Answer[] {
  const pages: Answer[] = [];
  let continuation: Answer['continuation'] | undefined;
  do {
    const page = q.exec(DOCS, { parameters: PARAMS, maxItemCount: 7, continuation });
    pages.push(page);
    continuation = page.continuation;
  } while (continuation);
  return pages;
}

describe('the local Cosmos DB server answers queries with the same documents', () => {
  it('drops undefined elements and keys exactly as the query engine did', () => {
    const doc = { id: 'a', n: 1, gone: undefined, nested: { keep: [1, undefined, { x: undefined, y: null }], s: 'x' }, list: [undefined, 'b'], z: null };
    const answers = [doc, undefined, 'plain', 3, null, [doc, undefined]];
    expect(stripUndefinedLinear(answers)).toEqual(original(answers));
    expect(stripUndefinedLinear(answers)).toEqual([
      { id: 'a', n: 1, nested: { keep: [1, { y: null }], s: 'x' }, list: ['b'], z: null }, 'plain', 3, null,
      [{ id: 'a', n: 1, nested: { keep: [1, { y: null }], s: 'x' }, list: ['b'], z: null }]]);
  });

  it('builds the FROM list in one pass and pages every query as the engine did', () => {
    const before = QUERIES.map((sql) => allPages(query(sql)));
    const generated = QUERIES.map((sql) => query(sql).code);
    installLinearQueries();
    QUERIES.forEach((sql, i) => {
      const linear = query(sql);
      // The engine still emits the quadratic FROM (else the rewrite has nothing to do after an upgrade) ...
      expect(generated[i]).toMatch(/\[\.\.\.\$, \{/);
      // ... and what runs now has none of it.
      expect(linear.code).toBe(linearFromClause(generated[i]));
      expect(linear.code).not.toMatch(/\[\.\.\.\$, \{/);
      expect(allPages(linear)).toEqual(before[i]);
    });
    expect(before[0].flatMap((p) => p.result).map((d) => (d as { id: string }).id)).toEqual(['d8', 'd13', 'd23', 'd28', 'd38', 'd43', 'd53', 'd58']);
    expect(before[0]).toHaveLength(2);
  });
});
