// ESLint rule `layers/imports`: a file may import only the zones its own zone lists
// (docs/architecture.md). Zones are repository folders; the longest matching prefix wins, so a
// sub-folder can be stricter than its parent. Only relative imports are resolved (the project
// has no path aliases); packages are checked against `forbiddenPackages`.
const path = require('node:path');

/** The zone a repository-relative path (forward slashes) belongs to, or undefined. */
function zoneOf(relPath, zoneNames) {
  let best;
  for (const z of zoneNames) {
    if ((relPath === z || relPath.startsWith(`${z}/`)) && (!best || z.length > best.length)) best = z;
  }
  return best;
}

/** True when `target` is `listed` or a sub-zone of it. */
function covers(listed, target) {
  return target === listed || target.startsWith(`${listed}/`);
}

/** Repository-relative path of `p`, forward slashes, without a .ts/.js extension or /index. */
function normalize(root, p) {
  return path.relative(root, p).split(path.sep).join('/').replace(/\.(d\.)?[cm]?[tj]s$/, '').replace(/\/index$/, '');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layer rules of docs/architecture.md' },
    schema: [{ type: 'object', additionalProperties: true }],
    messages: {
      forbidden: "{{from}} must not import {{to}} ('{{spec}}'): {{fromZone}} may import {{allowed}}. See docs/architecture.md.",
      valueFromImpure: "{{from}} may import only types from {{to}} ('{{spec}}'): values come from the pure folders ({{pure}}), I/O through an activity. See docs/architecture.md.",
      unzoned: "{{from}} imports '{{spec}}', which is outside every zone of lint/layers.js; add the folder to the table.",
      forbiddenPackage: "{{fromZone}} must not import the package '{{spec}}': {{why}}",
      allowListed: 'allow-listed: {{from}} -> {{to}}',
    },
  },
  create(context) {
    const options = context.options[0] || {};
    const root = options.root || context.cwd;
    const zones = options.zones || {};
    const zoneNames = Object.keys(zones);
    const allow = options.allow || [];
    const filename = context.filename;
    const from = normalize(root, filename);
    const fromZone = zoneOf(from, zoneNames);
    if (!fromZone) return {};
    const spec = zones[fromZone];
    const fromFile = path.relative(root, filename).split(path.sep).join('/');

    function check(node, source, typeOnly) {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        const bad = (spec.forbiddenPackages || []).find((p) => source === p.name || source.startsWith(`${p.name}/`));
        if (bad) context.report({ node, messageId: 'forbiddenPackage', data: { fromZone, spec: source, why: bad.message } });
        return;
      }
      const to = normalize(root, path.resolve(path.dirname(filename), source));
      const toZone = zoneOf(to, zoneNames);
      if (!toZone) {
        context.report({ node, messageId: 'unzoned', data: { from: fromFile, spec: source } });
        return;
      }
      const allowed = toZone === fromZone || (spec.mayImport || []).some((z) => z === '*' || covers(z, toZone));
      const pureOk = typeOnly || !spec.valueImportsOnlyFrom || toZone === fromZone || spec.valueImportsOnlyFrom.some((z) => covers(z, toZone));
      if (allowed && pureOk) return;
      // Known violations, each to be removed by a named issue: matched by importing file and imported module or zone.
      const listed = allow.find((a) => a.from === fromFile && (covers(a.to, to) || a.to === toZone));
      if (listed) {
        // `reportAllowListed` lets the rule's test prove that every entry still matches an import.
        if (options.reportAllowListed) context.report({ node, messageId: 'allowListed', data: { from: listed.from, to: listed.to } });
        return;
      }
      if (!allowed) {
        context.report({ node, messageId: 'forbidden', data: { from: fromFile, to, spec: source, fromZone, allowed: (spec.mayImport || []).join(', ') || 'nothing outside itself' } });
      } else {
        context.report({ node, messageId: 'valueFromImpure', data: { from: fromFile, to, spec: source, pure: spec.valueImportsOnlyFrom.join(', ') } });
      }
    }

    const typeOnlyDeclaration = (node) => node.importKind === 'type' || node.exportKind === 'type'
      || (node.type === 'ImportDeclaration' && node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));

    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyDeclaration(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, typeOnlyDeclaration(node)),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      TSImportEqualsDeclaration: (node) => node.moduleReference.type === 'TSExternalModuleReference' && check(node, node.moduleReference.expression.value, node.importKind === 'type'),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value, false);
      },
    };
  },
};

module.exports = { rule, zoneOf, normalize };
