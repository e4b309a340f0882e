/**
 * Two linear replacements inside @zeit/cosmosdb-query, the query engine of the local Cosmos DB
 * server, which turned what should cost O(N) per query into O(N²) (issue 17: at 2,000
 * machines in one vault the server's thread spent its time in them):
 * - `stripUndefined`, which copied the answer list by spreading it once per element;
 * - the generated code of a plain `FROM c`, which wrapped every document of the container in
 *   `$c.reduce(($, c) => ... [...$, { c }] ...)`: one copy of the growing list per document,
 *   before any filter. It becomes a filter and a map with the same result.
 * Answers are unchanged (unit test: the same documents, in the same order, with the same
 * continuation tokens); only the cost changes.
 */
type Helpers = { stripUndefined: (value: unknown) => unknown };
interface QueryInstance { _code: string | null; readonly code: string }
type QueryFactory = { default: (sql: string) => QueryInstance };

/* eslint-disable @typescript-eslint/no-require-imports */
const helpers = (): Helpers => require('@zeit/cosmosdb-query/lib/helpers') as Helpers;
const queryFactory = (): QueryFactory => require('@zeit/cosmosdb-query') as QueryFactory;

export function stripUndefinedLinear(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== undefined) out.push(stripUndefinedLinear(v));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefinedLinear(v);
    return out;
  }
  return value;
}

/**
 * The engine's code for `FROM <container> [<alias>]` without JOIN:
 * `$c.reduce(($, docs) => typeof docs !== "undefined" ? [...$, { d: docs }] : $, [])`.
 */
const QUADRATIC_FROM = /\$c\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*(\w+): \1\s*\}\] : \$, \[\]\)/;

/** The same list (defined documents, each wrapped under its alias), built in one pass. */
export function linearFromClause(code: string): string {
  return code.replace(QUADRATIC_FROM, (_, source: string, alias: string) =>
    `$c.filter(${source} => typeof ${source} !== "undefined").map(${source} => ({ ${alias}: ${source} }))`);
}

let installed = false;

/** Installs both once per process: the server's queries reach them through the module's exports and the Query class. */
export function installLinearQueries(): void {
  if (installed) return;
  installed = true;
  helpers().stripUndefined = stripUndefinedLinear;
  const proto = Object.getPrototypeOf(queryFactory().default('SELECT * FROM c')) as object;
  const generated = Object.getOwnPropertyDescriptor(proto, 'code')?.get;
  if (!generated) throw new Error('@zeit/cosmosdb-query: Query.code is not a getter any more; review cosmosQueryHelpers');
  Object.defineProperty(proto, 'code', {
    configurable: true,
    get(this: QueryInstance): string {
      if (this._code === null) this._code = linearFromClause(generated.call(this) as string);
      return this._code;
    },
  });
}
