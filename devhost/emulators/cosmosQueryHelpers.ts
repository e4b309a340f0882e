/**
 * A linear `stripUndefined` for @zeit/cosmosdb-query (the query engine of the local Cosmos DB
 * server). Its own copies an array by spreading it once per element, so a query answering N
 * documents costs O(N²): at 2,000 machines in one vault the server's thread spent its time
 * there (issue 17). Same result: `undefined` array elements are dropped, as are keys whose
 * value is `undefined`; everything else is copied as it was.
 */
type Helpers = { stripUndefined: (value: unknown) => unknown };

/* eslint-disable @typescript-eslint/no-require-imports */
const helpers = (): Helpers => require('@zeit/cosmosdb-query/lib/helpers') as Helpers;

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

/** Installs it once per module instance: the generated queries and the executor call it through the module's exports. */
export function installLinearStripUndefined(): void {
  helpers().stripUndefined = stripUndefinedLinear;
}
