import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const ESLINT = resolve(ROOT, 'node_modules/eslint/bin/eslint.js');

/** Lints files with the ESLint CLI and the project's eslint.config.js (what `npm run lint` does). */
function lintFiles(path: string): string[] {
  const r = spawnSync(process.execPath, [ESLINT, '--format', 'json', path], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`eslint failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[])
    .flatMap((x) => x.messages.map((m) => `${x.filePath}: ${m.ruleId}: ${m.message}`));
}

/**
 * Lints `code` as if it were a new file at `path`, with the project's config. The file is not on
 * disk, so the typed rules get their program from typescript-eslint's project service; this
 * runs in a child process (ESLint's API loads configs with a dynamic import jest cannot run).
 */
const PROBE = `
const { ESLint } = require('eslint');
const path = require('path');
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', async () => {
  const probes = JSON.parse(input);
  const config = require('./eslint.config.js').map((c) => c.languageOptions?.parserOptions?.project
    ? { ...c, languageOptions: { ...c.languageOptions, parserOptions: { projectService: { allowDefaultProject: [...new Set(probes.map((p) => p.path))] }, tsconfigRootDir: process.cwd() } } }
    : c);
  const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: true, overrideConfig: config });
  const out = [];
  for (const p of probes) {
    const [r] = await eslint.lintText(p.code, { filePath: path.resolve(p.path) });
    out.push(r.messages.map((m) => m.ruleId + ': ' + m.message));
  }
  process.stdout.write(JSON.stringify(out));
});`;

/** Lints each `{path, code}` in one child process (one TypeScript program for all). */
function lintProbes(probes: { path: string; code: string }[]): string[][] {
  const r = spawnSync(process.execPath, ['-e', PROBE], { cwd: ROOT, input: JSON.stringify(probes), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`eslint probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as string[][];
}

const ORCHESTRATOR = 'functions/orchestrators/probe.ts';

/** STYLE.md: orchestrators are pure, enforced by lint rather than review. */
describe('the orchestrator determinism lint rule (eslint.config.js, npm run lint)', () => {
  it('passes the real orchestrators and the recovery code', () => {
    expect(lintFiles('functions/orchestrators')).toEqual([]);
  }, 120_000);

  it('refuses Node builtins, SDK clients, I/O modules, the wall clock, randomness, timers and floating promises in an orchestrator; allows type imports; leaves activities alone', () => {
    const [bad, typesOnly, activity] = lintProbes([
      {
        path: ORCHESTRATOR,
        code: [
          "import { readFileSync } from 'node:fs';",
          "import { BlobServiceClient } from '@azure/storage-blob';",
          "import { LocalFabric } from '../../shared/fabric';",
          "import { createRecoveryActivities } from '../../shared/recovery/activities/createRecoveryActivities';",
          'async function later(): Promise<number> { return 1; }',
          'export function* o(): Generator<unknown, number, unknown> {',
          '  const a = Date.now() + new Date().getTime() + Math.random();',
          '  setTimeout(() => undefined, 1);',
          '  later();',
          '  void [readFileSync, BlobServiceClient, LocalFabric, createRecoveryActivities];',
          '  yield a; return a;',
          '}',
        ].join('\n'),
      },
      { path: ORCHESTRATOR, code: "import type { TargetFabric } from '../../shared/fabric';\nexport type F = TargetFabric;\n" },
      { path: 'shared/recovery/probe.ts', code: "import { readFileSync } from 'node:fs';\nexport const now = (): number => Date.now() + readFileSync('x').length;\n" },
    ]);
    expect(bad.filter((m) => m.startsWith('@typescript-eslint/no-restricted-imports'))).toHaveLength(2);
    // I/O modules of shared/ are refused by folder (lint/layers.js: values only from the pure folders), not by file name.
    expect(bad.filter((m) => m.startsWith('layers/imports') && m.includes('may import only types from'))).toHaveLength(2);
    expect(bad.filter((m) => m.startsWith('no-restricted-syntax'))).toHaveLength(3);
    expect(bad.filter((m) => m.startsWith('no-restricted-globals'))).toHaveLength(1);
    expect(bad.filter((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toHaveLength(1);
    expect(typesOnly).toEqual([]);
    expect(activity).toEqual([]);
  }, 120_000);
});
