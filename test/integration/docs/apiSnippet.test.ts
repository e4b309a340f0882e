import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';

const ROOT = resolve(__dirname, '../../..');
const ASR = join(ROOT, 'dist/cli/asr.js');
const run = promisify(execFile);

/** The fenced block right after `<!-- snippet: name … -->` in a Markdown file. */
function extractSnippet(markdown: string, name: string): string {
  const at = markdown.indexOf(`<!-- snippet: ${name}`);
  if (at < 0) throw new Error(`no snippet '${name}'`);
  const m = /```\w*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!m) throw new Error(`snippet '${name}' has no fenced block`);
  return m[1];
}

/**
 * docs/api.md's official-client snippet, run as written against the app started as
 * `npm start` starts it: the doc cannot rot without this test failing.
 */
describe('docs/api.md: the official client snippet', () => {
  const data = tempDir('api-snippet-');
  let host: RunningFunclocal | undefined;
  let scratch: string | undefined;

  afterAll(async () => {
    await host?.stop();
    data.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a policy and lists it through @azure/arm-recoveryservices-siterecovery over http', async () => {
    host = await startFunclocal({ app: ROOT, data: data.path, extraArgs: ['--emulator-ports', 'auto'], env: { ASR_DATA_DIR: data.path }, startTimeoutMs: 120_000 });
    const env: NodeJS.ProcessEnv = { ...process.env, ASR_ENDPOINT: host.baseUrl, ASR_DATA_DIR: data.path };
    delete env.ASR_TOKEN;
    await run(process.execPath, [ASR, 'vault', 'create', 'demo'], { env, cwd: ROOT });

    const snippet = extractSnippet(readFileSync(join(ROOT, 'docs/api.md'), 'utf8'), 'official-client');
    // In the project folder, as the doc says, so the package and dist/cli/asr.js resolve.
    scratch = mkdtempSync(join(ROOT, '.snippet-'));
    const file = join(scratch, 'snippet.mjs');
    writeFileSync(file, snippet);
    const { stdout } = await run(process.execPath, [file], { env, cwd: ROOT });
    expect(stdout).toBe('created every5min\nevery5min: every 300 s\n');

    const shown = await run(process.execPath, [ASR, 'policy', 'show', 'demo', 'every5min', '--json'], { env, cwd: ROOT });
    expect(JSON.parse(shown.stdout).properties.providerSpecificDetails).toMatchObject({ replicationInterval: 300, recoveryPointHistoryDurationInHours: 24 });
  });
});
