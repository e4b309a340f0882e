import { Command } from 'commander';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { tempDir } from '../../support/tempDir';

/** Runs `asr agent …` in-process; returns what it printed and the exit code it set. */
async function asr(...args: string[]): Promise<{ out: string; err: string; code: number; errorCode?: string }> {
  const program = new Command().exitOverride();
  registerAgentCommands(program);
  program.commands.forEach((c) => c.exitOverride().commands.forEach((s) => s.exitOverride()));
  let out = '';
  let err = '';
  let errorCode: string | undefined;
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'asr', ...args]);
  } catch (thrown) {
    // cli/asr.ts prints thrown errors as one line with their code; here we keep both.
    err += (thrown as Error).message;
    errorCode = (thrown as { code?: string }).code;
    process.exitCode = (thrown as { exitCode?: number }).exitCode ?? 1;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code, errorCode };
}

describe('asr agent commands', () => {
  const dir = tempDir('agent-cli-');
  afterAll(() => dir.cleanup());

  it('sync before protect says to run protect first, with a non-zero exit', async () => {
    const r = await asr('agent', 'sync', 'v', 'vm', '--state-dir', dir.path);
    expect(r).toMatchObject({ code: 1, errorCode: 'NotProtected' });
    expect(r.err).toMatch(/run 'asr agent protect' for this item first/);
  });

  it('protect without --disk or --policy is a usage error', async () => {
    const r = await asr('agent', 'protect', 'v', 'vm', '--policy', 'p');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--disk/);
  });

  it('run on a remote endpoint without a storage connection string says which variable to set', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { ASR_ENDPOINT: 'https://asr.example.invalid', ASR_TOKEN: 'x' });
    delete process.env.ASR_STORAGE_CONNECTION_STRING;
    try {
      const r = await asr('agent', 'run', 'v', 'vm', '--state-dir', dir.path);
      expect(r).toMatchObject({ code: 1, errorCode: 'StorageNotConfigured' });
      expect(r.err).toMatch(/set ASR_STORAGE_CONNECTION_STRING/);
    } finally {
      process.env = saved;
    }
  });
});
