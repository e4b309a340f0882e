/** One `<field> <op> '<value>'` of an OData-style `$filter` (the value unquoted). */
export interface FilterClause {
  field: string;
  op: 'eq' | 'ge' | 'gt' | 'le' | 'lt';
  value: string;
}

/** One clause at the sticky position; `datetime'…'` is read as a plain quoted value. */
const CLAUSE = /\s*([A-Za-z]+)\s+(eq|ge|gt|le|lt)\s+(?:datetime)?'((?:[^']|'')*)'\s*/iy;
const AND = /and\s+/iy;

/**
 * Reads the clauses of a `$filter` made of `<field> <op> '<value>'` joined by `and` (the subset
 * ASR's list filters use). Field names come back as written; `invalid(message)` makes the error
 * for text outside that grammar (each caller names its own fields in it). Empty = no clauses.
 */
export function readFilterClauses(filter: string | null | undefined, invalid: (message: string) => Error): FilterClause[] {
  if (filter === null || filter === undefined || filter.trim() === '') return [];
  if (filter.length > 2000) throw invalid('longer than 2000 characters');
  const clauses: FilterClause[] = [];
  let at = 0;
  for (;;) {
    CLAUSE.lastIndex = at;
    const m = CLAUSE.exec(filter);
    if (!m) throw invalid(`cannot read a clause at '${filter.slice(at, at + 40)}'`);
    clauses.push({ field: m[1], op: m[2].toLowerCase() as FilterClause['op'], value: m[3].replace(/''/g, "'") });
    at = CLAUSE.lastIndex;
    if (at >= filter.length) return clauses;
    AND.lastIndex = at;
    if (!AND.exec(filter)) throw invalid(`expected 'and' at '${filter.slice(at, at + 40)}'`);
    at = AND.lastIndex;
  }
}
