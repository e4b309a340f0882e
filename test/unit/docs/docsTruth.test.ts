import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
/** Top-level folders of the project: a code span starting with one of them names a file or folder. */
const TOP = ['functions', 'shared', 'devhost', 'cli', 'demo', 'infra', 'test', 'bench', 'docs', 'lint', 'tools', 'dist', '.ci'];

/**
 * Paths the docs name on purpose before they exist: the target layout of issue 11
 * (docs/architecture.md, "Sub-folders after issue 11", and lint/layers.js's inert rows).
 * An entry whose path appears must be removed (checked below), so the list only shrinks.
 */
const NOT_YET: Record<string, string> = {};

/** Where a named path should be: as written, as a TypeScript module without its extension, or a `dist/` output's source. */
function exists(abs: string, written: string): boolean {
  if (written.startsWith('dist/')) return existsSync(join(ROOT, written.slice(5).replace(/\.js$/, '.ts'))) || existsSync(join(ROOT, written.slice(5)));
  return existsSync(abs) || existsSync(`${abs}.ts`);
}

/** Every relative path README.md and docs/*.md name: Markdown link targets, and code spans that start at a top-level folder. */
function namedPaths(): { doc: string; path: string; abs: string }[] {
  const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return docs.flatMap((doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const out: { doc: string; path: string; abs: string }[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z]+:/i.test(m[1])) continue;
      out.push({ doc, path: target, abs: resolve(ROOT, dirname(doc), target) });
    }
    for (const m of text.matchAll(/`([^`\s]+)`/g)) {
      const p = m[1].replace(/[.,;:]$/, '');
      // Placeholders and globs (`{vault}`, `<dir>`, `*.ts`, `…`) are patterns, not paths.
      if (!TOP.some((t) => p.startsWith(`${t}/`)) || /[{}<>*…|$]/.test(p)) continue;
      out.push({ doc, path: p, abs: resolve(ROOT, p) });
    }
    return out;
  });
}

describe('the docs name only files that exist', () => {
  it('every relative path in README.md and docs/*.md exists (or is on the short not-yet list)', () => {
    const named = namedPaths();
    expect(named.length).toBeGreaterThan(200);
    const missing = named.filter((n) => !exists(n.abs, n.path) && NOT_YET[n.path] === undefined).map((n) => `${n.doc}: ${n.path}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('keeps the not-yet list short: an entry that now exists must be removed', () => {
    const arrived = Object.keys(NOT_YET).filter((p) => existsSync(join(ROOT, p)));
    expect(arrived).toEqual([]);
  });

  it('README\'s failback and reprotect claims point to the docs that describe what is built, reverse replication to its own', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const claims = readme.split(/\n(?=- |\n)/).filter((para) => /reprotect|failback/i.test(para));
    expect(claims.length).toBeGreaterThan(0);
    expect(claims.some((para) => para.includes('docs/failback.md'))).toBe(true);
    expect(existsSync(join(ROOT, 'docs/failback.md'))).toBe(true);
    // Continuous reverse replication (reProtect RecoveryToPrimary) is built: a claim of it points to its doc, which names its test.
    for (const para of claims) expect([para, /reverse replication/i.test(para) && !para.includes('docs/reverse-replication.md')]).toEqual([para, false]);
    const reverseDoc = readFileSync(join(ROOT, 'docs/reverse-replication.md'), 'utf8');
    expect(existsSync(join(ROOT, 'test/integration/agent/reverseReplication.test.ts'))).toBe(true);
    expect(reverseDoc).toContain('test/integration/agent/reverseReplication.test.ts');
    expect(reverseDoc).toContain('functions/reverseReplicationTimer.ts');
  });
});
