import { readFileSync } from 'node:fs';

/** A core-client mapper, as the official client's models/mappers.js writes them. */
interface MapperType {
  name: string;
  className?: string;
  uberParent?: string;
  polymorphicDiscriminator?: { serializedName: string };
  modelProperties?: Record<string, { serializedName: string; type: MapperType }>;
  element?: { type: MapperType };
  value?: { type: MapperType };
  allowedValues?: string[];
}
type Mappers = Record<string, { type: MapperType }> & { discriminators: Record<string, { type: MapperType }> };

/**
 * The official client's models (`dist-esm/src/models/mappers.js`: every model's serialized
 * fields and polymorphic discriminators, the ground truth of what ASR's models know). The
 * package exports no mappers and ships them as an ES module, so its text is evaluated here.
 */
export function officialMappers(): Mappers {
  const file = require.resolve('@azure/arm-recoveryservices-siterecovery/dist-esm/src/models/mappers.js');
  const src = readFileSync(file, 'utf8');
  const names = [...src.matchAll(/^export (?:const|let) (\w+) =/gm)].map((m) => m[1]);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the package's own generated model table, read in a test
  return new Function(`${src.replace(/^export (const|let) /gm, '$1 ')}\nreturn { ${names.join(', ')} };`)() as Mappers;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** core-client's lookup of a subtype by discriminator value (serializer.js, getIndexDiscriminator). */
function subtype(m: Mappers, value: string, typeName: string): MapperType | undefined {
  const queue = [typeName];
  while (queue.length) {
    const current = queue.shift()!;
    const key = value === current ? value : `${current}.${value}`;
    if (Object.prototype.hasOwnProperty.call(m.discriminators, key)) return m.discriminators[key].type;
    for (const [name, mapper] of Object.entries(m.discriminators)) {
      if (name.startsWith(`${current}.`) && mapper.type.uberParent === current && mapper.type.className) queue.push(mapper.type.className);
    }
  }
  return undefined;
}

/**
 * The paths of a raw JSON body that the client's model of it does not know: a field no model
 * on the way declares (`properties.providerSpecificDetails.disks`), or a discriminator value
 * that names no subtype (`properties.providerSpecificDetails.instanceType=HyperVReplicaAzure`).
 * Arrays are walked per element (`tasks[]`), dictionaries per value (`{}`).
 */
export function unknownToModel(m: Mappers, className: string, raw: unknown): string[] {
  const out = new Set<string>();
  const walk = (type: MapperType, value: unknown, path: string): void => {
    if (value === null || value === undefined) return;
    if (type.name === 'Sequence' && Array.isArray(value)) { value.forEach((v) => walk(type.element!.type, v, `${path}[]`)); return; }
    if (type.name === 'Dictionary' && isObject(value)) { Object.values(value).forEach((v) => walk(type.value!.type, v, `${path}{}`)); return; }
    if (type.name !== 'Composite' || !isObject(value)) return;
    let model = m[type.className!]?.type;
    if (!model) { out.add(`${path} (no model ${type.className})`); return; }
    const discriminator = model.polymorphicDiscriminator?.serializedName ?? (model.uberParent ? m[model.uberParent]?.type.polymorphicDiscriminator?.serializedName : undefined);
    if (discriminator && typeof value[discriminator] === 'string') {
      const found = subtype(m, value[discriminator], model.uberParent ?? model.className!);
      if (found) model = found;
      else if (value[discriminator] !== model.className) out.add(`${join(path, discriminator)}=${value[discriminator]}`);
    }
    const props = new Map(Object.values(model.modelProperties ?? {}).map((p) => [p.serializedName, p.type]));
    for (const [k, v] of Object.entries(value)) {
      const t = props.get(k);
      if (!t) { if (v !== null && v !== undefined) out.add(join(path, k)); continue; }
      walk(t, v, join(path, k));
    }
  };
  const list = isObject(raw) && Array.isArray(raw.value) && !('properties' in raw);
  for (const r of list ? (raw.value as unknown[]) : [raw]) walk({ name: 'Composite', className }, r, '');
  return [...out];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * The extensions docs/api.md documents, as `kind path`: each line of its list reads
 * ``- `kind` `path` — what it is``; `conditional` are those sent "only when" something holds.
 */
export function documentedExtensions(markdown: string): { all: Set<string>; conditional: Set<string> } {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Extensions the official client'));
  if (!section) throw new Error('docs/api.md has no section "Extensions the official client does not know"');
  const all = new Set<string>();
  const conditional = new Set<string>();
  for (const m of section.matchAll(/^- `(\w+)` `([^`]+)`(.*)$/gm)) {
    all.add(`${m[1]} ${m[2]}`);
    if (/— only when/.test(m[3])) conditional.add(`${m[1]} ${m[2]}`);
  }
  return { all, conditional };
}
