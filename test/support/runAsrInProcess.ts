import { Command } from 'commander';
import { ServiceError } from '../../shared/errors';

/** What `asr` printed, and the typed error it failed with (`err` = `Code: message`, `code` 1). */
export interface AsrRun {
  out: string;
  err: string;
  code: number;
}

/**
 * Runs `asr <args>` in-process with the given command groups registered, as an operator would
 * type it; stdout is captured, a `ServiceError` becomes `err` (anything else is rethrown).
 * `env` is laid over the process environment for the run (a value of `undefined` removes the
 * variable) and restored after.
 */
export async function runAsrInProcess(groups: ((program: Command) => void)[], args: string[], env: Record<string, string | undefined> = {}): Promise<AsrRun> {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const program = new Command().exitOverride();
  for (const register of groups) register(program);
  let out = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  try {
    await program.parseAsync(['node', 'asr', ...args]);
    return { out, err: '', code: 0 };
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    return { out, err: `${e.code}: ${e.message}`, code: 1 };
  } finally {
    o.mockRestore();
    process.env = saved;
  }
}
