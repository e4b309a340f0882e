import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS data, read to compare with what the linter reports
const { allow } = require(resolve(ROOT, 'lint/layers.js')) as { allow: { from: string; to: string }[] };

/**
 * Runs ESLint's Node API in a child process (it loads configs with a dynamic import jest cannot
 * run) with the project's eslint.config.js minus the typed blocks (no TypeScript program: the
 * layer rule reads import statements only). `files` are linted from disk; `probes` as if they
 * were files at their paths. `reportAllowListed` makes the rule name every allow-listed import.
 */
const RUNNER = `
const { ESLint } = require('eslint');
const path = require('path');
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', async () => {
  const job = JSON.parse(input);
  const config = require('./eslint.config.js')
    .filter((c) => !c.languageOptions?.parserOptions?.project)
    .map((c) => c.rules?.['layers/imports'] && job.reportAllowListed
      ? { ...c, rules: { ...c.rules, 'layers/imports': ['error', { ...c.rules['layers/imports'][1], reportAllowListed: true }] } }
      : c);
  const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: true, overrideConfig: config });
  const out = { files: [], probes: [] };
  if (job.files.length) {
    for (const r of await eslint.lintFiles(job.files)) out.files.push(...r.messages.map((m) => m.ruleId + ': ' + m.message));
  }
  for (const p of job.probes) {
    const [r] = await eslint.lintText(p.code, { filePath: path.resolve(p.path) });
    out.probes.push(r.messages.map((m) => m.ruleId + ': ' + m.message));
  }
  process.stdout.write(JSON.stringify(out));
});`;

function lint(job: { files: string[]; probes: { path: string; code: string }[]; reportAllowListed?: boolean }): { files: string[]; probes: string[][] } {
  const r = spawnSync(process.execPath, ['-e', RUNNER], { cwd: ROOT, input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`eslint runner failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { files: string[]; probes: string[][] };
}

const LAYER = 'layers/imports: ';

/** docs/architecture.md: the import directions between folders, enforced by lint (lint/layers.js). */
describe('the layer rule (layers/imports in eslint.config.js, npm run lint)', () => {
  it('passes the source tree, and every allow-listed violation (issue 11) still exists, so the list can only shrink', () => {
    const { files } = lint({ files: ['shared', 'functions', 'devhost', 'cli', 'bench', 'demo'], probes: [], reportAllowListed: true });
    const reported = files.filter((m) => m.startsWith(LAYER));
    const listed = reported.filter((m) => m.startsWith(`${LAYER}allow-listed: `)).map((m) => m.slice(`${LAYER}allow-listed: `.length));
    expect(reported.filter((m) => !m.startsWith(`${LAYER}allow-listed: `))).toEqual([]);
    expect([...new Set(listed)].sort()).toEqual(allow.map((a) => `${a.from} -> ${a.to}`).sort());
  }, 120_000);

  it('refuses imports against the layers: a leaf importing a trunk, the fabric importing replication, the agent or the host importing the service, Functions types in shared/', () => {
    const { probes } = lint({
      files: [],
      probes: [
        { path: 'shared/fabric/probe.ts', code: "import { materializeToPoint } from '../replication';\nexport const m = materializeToPoint;\n" },
        { path: 'shared/errors/probe.ts', code: "import type { ArmApi } from '../arm/ArmApi';\nexport type A = ArmApi;\n" },
        { path: 'shared/agent/probe.ts', code: "import { RecoveryJobService } from '../recovery/RecoveryJobService';\nexport const s = RecoveryJobService;\n" },
        { path: 'devhost/probe.ts', code: "import { mergeDisk } from '../shared/replication';\nexport const m = mergeDisk;\n" },
        { path: 'cli/commands/probe.ts', code: "import { CosmosMetadataStore } from '../../shared/metadata';\nexport const c = CosmosMetadataStore;\n" },
        { path: 'shared/recovery/probe.ts', code: "import { app } from '@azure/functions';\nimport { RECOVERY_JOB } from '../../functions/orchestrators/recoveryPlanOrchestrator';\nexport const x = [app, RECOVERY_JOB];\n" },
        { path: 'shared/newConcern/probe.ts', code: "import { ServiceError } from '../errors';\nexport const e = ServiceError;\n" },
      ],
    });
    const layerMessages = probes.map((p) => p.filter((m) => m.startsWith(LAYER)));
    expect(layerMessages.map((p) => p.length)).toEqual([1, 1, 1, 1, 1, 2, 1]);
    expect(layerMessages[0][0]).toContain('shared/fabric/probe.ts must not import shared/replication');
    expect(layerMessages[1][0]).toContain('shared/errors/probe.ts must not import shared/arm/ArmApi');
    expect(layerMessages[5].join('\n')).toMatch(/must not import the package '@azure\/functions'[\s\S]*must not import functions\/orchestrators\/recoveryPlanOrchestrator/);
    expect(layerMessages[6][0]).toContain('shared may import nothing outside itself');
  }, 120_000);

  it('lets orchestrators and the pure folders import values only from pure folders (types from anywhere they may import), and keeps the pure folders deterministic by folder', () => {
    const { probes } = lint({
      files: [],
      probes: [
        { path: 'functions/orchestrators/probe.ts', code: "import { JobRecorder } from '../../shared/recovery/JobRecorder';\nexport const j = JobRecorder;\n" },
        { path: 'functions/orchestrators/probe.ts', code: "import type { JobRecorder } from '../../shared/recovery/JobRecorder';\nimport { ServiceError } from '../../shared/errors';\nexport type J = JobRecorder;\nexport const e = ServiceError;\n" },
        { path: 'shared/recovery/plan/probe.ts', code: "import { mergeDisk } from '../../replication';\nimport { createRecoveryActivities } from '../activities/createRecoveryActivities';\nexport const j = (): unknown => [mergeDisk, createRecoveryActivities, Date.now()];\n" },
        { path: 'shared/recovery/activities/probe.ts', code: "import { readFileSync } from 'node:fs';\nimport { RecoveryError } from '../plan/RecoveryError';\nimport { mergeDisk } from '../../replication';\nexport const j = (): unknown => [RecoveryError, mergeDisk, readFileSync, Date.now()];\n" },
      ],
    });
    expect(probes[0].filter((m) => m.startsWith(LAYER))).toEqual([expect.stringContaining('may import only types from shared/recovery/JobRecorder')]);
    expect(probes[1]).toEqual([]);
    expect(probes[2].filter((m) => m.startsWith(LAYER))).toEqual([
      expect.stringContaining('shared/recovery/plan/probe.ts may import only types from shared/replication'),
      expect.stringContaining('shared/recovery/plan/probe.ts must not import shared/recovery/activities/createRecoveryActivities'),
    ]);
    expect(probes[2].filter((m) => m.startsWith('no-restricted-syntax'))).toHaveLength(1);
    expect(probes[3]).toEqual([]);
  }, 120_000);
});
