/** A field of a document as a dotted path (`properties.providerSpecificDetails.disks`). */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

type FieldTree = { [key: string]: FieldTree | true };

function objectOf(tree: FieldTree, prefix: string): string {
  return `{${Object.entries(tree).map(([k, v]) => `"${k}": ${v === true ? `${prefix}.${k}` : objectOf(v, `${prefix}.${k}`)}`).join(', ')}}`;
}

/**
 * The SELECT list of a Cosmos DB query that answers only `fields` of each document, nested as in
 * the document (`properties.protectionState` comes back as `{ properties: { protectionState } }`);
 * a field the document lacks is absent. Paths are fixed by the code that asks, never a request's.
 */
export function projectionOf(fields: readonly string[], alias = 'c'): string {
  const tree: FieldTree = {};
  for (const field of fields) {
    if (!FIELD_PATH.test(field)) throw new Error(`not a field path: ${field}`);
    const parts = field.split('.');
    let node = tree;
    for (const [i, part] of parts.entries()) {
      if (node[part] === true) break; // a parent field already answers the whole subtree
      if (i === parts.length - 1) node[part] = true;
      else node = (node[part] ??= {}) as FieldTree;
    }
  }
  return Object.entries(tree).map(([k, v]) => (v === true ? `${alias}.${k}` : `${objectOf(v, `${alias}.${k}`)} AS ${k}`)).join(', ');
}
