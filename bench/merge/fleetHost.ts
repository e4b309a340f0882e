import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** The whole app in funclocal (as `npm start` runs it), over the given storage and Cosmos DB, on `port`. */
export async function startAppHost(port: number, env: Record<string, string>, storage: string, cosmos: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/devhost/cli/funclocal.js'), 'start', '--app', ROOT, '--port', String(port), '--storage', storage, '--cosmos', cosmos], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`host did not start:\n${out}`)), 90_000);
    const check = (d: Buffer) => {
      out += d.toString();
      if (/Host started: .* listening on/.test(out)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
  });
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** Peak and current resident set of a process, MiB (Linux /proc; undefined elsewhere). */
export function residentMiB(pid: number): { peak: number; now: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

export async function stopAppHost(host: ChildProcess): Promise<void> {
  if (host.exitCode !== null) return;
  const exited = new Promise((r) => host.once('exit', r));
  host.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system) a process has used so far, seconds (Linux /proc; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at the state: utime and stime are the 12th and 13th.
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return (Number(after[11]) + Number(after[12])) / 100;
  } catch {
    return NaN;
  }
}
