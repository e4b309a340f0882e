#!/usr/bin/env node
// Moves TypeScript modules and rewrites every relative import that points at them (or that a
// moved file makes), across the repository: source, tests, barrels. For issue 11's folder
// split (tools/issue11/*.tsv), usable for any move.
//
//   node tools/moveModules.js [--dry-run] moves.tsv [more.tsv …]
//
// A .tsv line is `from<TAB>to` (repository paths of .ts files); `#` starts a comment. The files
// are moved with `git mv`. Imports are rewritten as specifiers without extension, the way the
// project writes them; an import of a folder (its index.ts) stays an import of the folder.
// Splitting a file is not a move: do it by hand after.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const lists = args.filter((a) => a !== '--dry-run');
if (lists.length === 0) {
  console.error('usage: node tools/moveModules.js [--dry-run] moves.tsv [more.tsv …]');
  process.exit(2);
}
const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const rel = (p) => path.relative(root, p).split(path.sep).join('/');
const abs = (p) => path.join(root, p);

/** old repository path (no .ts) -> new repository path (no .ts) */
const moves = new Map();
for (const list of lists) {
  for (const [i, raw] of fs.readFileSync(list, 'utf8').split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [from, to] = line.split(/\t+|\s{2,}/);
    if (!from || !to || !from.endsWith('.ts') || !to.endsWith('.ts')) throw new Error(`${list}:${i + 1}: want "from.ts<TAB>to.ts", got "${raw}"`);
    if (!fs.existsSync(abs(from))) throw new Error(`${list}:${i + 1}: ${from} does not exist`);
    if (fs.existsSync(abs(to))) throw new Error(`${list}:${i + 1}: ${to} exists already`);
    moves.set(from.slice(0, -3), to.slice(0, -3));
  }
}

const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n').filter((f) => f && !f.startsWith('node_modules/') && !f.startsWith('dist/') && fs.existsSync(abs(f)));
const known = new Set(files.map((f) => f.slice(0, -3)));

/** What a specifier written in `fromFile` (old path) names: a module or a folder index, old paths. */
function resolveOld(fromFile, spec) {
  const target = rel(path.resolve(path.dirname(abs(fromFile)), spec));
  if (known.has(target)) return { module: target, folder: false };
  if (known.has(`${target}/index`)) return { module: `${target}/index`, folder: true };
  return undefined; // .js, .json, a package-relative asset: left alone
}

function specifier(fromFileNew, targetNew, folder) {
  const to = folder ? targetNew.replace(/\/index$/, '') : targetNew;
  let s = path.relative(path.dirname(abs(fromFileNew)), abs(to)).split(path.sep).join('/');
  if (!s.startsWith('.')) s = `./${s}`;
  return s;
}

const IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bjest\.(?:mock|requireActual)\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*|\.{1,2})\2/gm;
let changedFiles = 0;
let changedImports = 0;
for (const file of files) {
  const old = file.slice(0, -3);
  const fileNew = `${moves.get(old) ?? old}.ts`;
  const text = fs.readFileSync(abs(file), 'utf8');
  let count = 0;
  const next = text.replace(IMPORT, (whole, lead, quote, spec) => {
    const target = resolveOld(file, spec);
    if (!target) return whole;
    const targetNew = moves.get(target.module) ?? target.module;
    const s = specifier(fileNew, targetNew, target.folder);
    if (s === spec) return whole;
    count++;
    return `${lead}${quote}${s}${quote}`;
  });
  if (count > 0) {
    changedFiles++;
    changedImports += count;
    if (dryRun) console.log(`${file}: ${count} import(s)`);
    else fs.writeFileSync(abs(file), next);
  }
}
for (const [from, to] of moves) {
  if (dryRun) { console.log(`git mv ${from}.ts ${to}.ts`); continue; }
  fs.mkdirSync(path.dirname(abs(`${to}.ts`)), { recursive: true });
  execFileSync('git', ['mv', `${from}.ts`, `${to}.ts`], { cwd: root });
}
console.log(`${dryRun ? 'would move' : 'moved'} ${moves.size} file(s); ${changedImports} import(s) in ${changedFiles} file(s) ${dryRun ? 'would change' : 'rewritten'}`);
