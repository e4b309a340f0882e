import { Command } from 'commander';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { tempDir } from '../../support/tempDir';

/** Runs `asr agent …` in-process; returns what it printed and the exit code it set. */
async function asr(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().exitOverride();
  registerAgentCommands(program);
  program.commands.forEach((c) => c.exitOverride().commands.forEach((s) => s.exitOverride()));
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'asr', ...args]);
  } catch (thrown) {
    err += (thrown as Error).message;
    process.exitCode = (thrown as { exitCode?: number }).exitCode ?? 1;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

describe('asr agent commands', () => {
  const dir = tempDir('agent-cli-');
  afterAll(() => dir.cleanup());

  it('sync before protect says to run protect first, with a non-zero exit', async () => {
    const r = await asr('agent', 'sync', 'v', 'vm', '--state-dir', dir.path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: NotProtected: .*asr agent protect/);
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
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/StorageNotConfigured: set ASR_STORAGE_CONNECTION_STRING/);
    } finally {
      process.env = saved;
    }
  });
});
