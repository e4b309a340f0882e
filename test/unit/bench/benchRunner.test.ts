import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BENCHES } from '../../../bench/benchCatalogue';

const ROOT = join(__dirname, '../../..');
const RUNNER = join(ROOT, 'dist/bench/run.js');
const bench = (...args: string[]) => spawnSync(process.execPath, [RUNNER, ...args], { encoding: 'utf8' });

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourcesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `npm run bench` runs the compiled runner (tsc -p tsconfig.json builds it, as the other tests' dist/ binaries). */
describe('npm run bench', () => {
  it('runs dist/bench/run.js, which exists and lists every benchmark', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.bench).toBe('npm run build && node dist/bench/run.js');
    expect(existsSync(RUNNER)).toBe(true);
    const listed = bench('--list');
    expect(listed.status).toBe(0);
    for (const b of BENCHES) {
      expect(listed.stdout).toMatch(new RegExp(`^${b.name}\\s+`, 'm'));
      expect([b.name, existsSync(join(ROOT, 'dist/bench', b.script))]).toEqual([b.name, true]);
    }
  });

  it('knows every benchmark script in bench/ (a script reads its sizes from process.argv)', () => {
    const scripts = sourcesUnder(join(ROOT, 'bench'))
      .filter((f) => /process\.argv/.test(readFileSync(f, 'utf8')) && !f.endsWith('run.ts'))
      .map((f) => relative(join(ROOT, 'bench'), f).replace(/\.ts$/, '.js'));
    expect(scripts.sort()).toEqual(BENCHES.map((b) => b.script).sort());
  });

  it('runs one benchmark by name with its arguments, and refuses an unknown name with exit code 2', () => {
    const one = bench('hrl', '1', '64');
    expect([one.status, one.stderr]).toEqual([0, '']);
    expect(one.stdout).toMatch(/== hrl 1 64\nHRL parse rate: 1 MiB payload in 64 KiB records/);
    const unknown = bench('nope');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("no benchmark 'nope'; choose one of hrl, agent, merge");
  });
});
