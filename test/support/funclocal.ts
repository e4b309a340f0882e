import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface RunningFunclocal {
  baseUrl: string;
  port: number;
  /** Everything the host printed so far (stdout and stderr). */
  logs(): string;
  /** Clean stop (SIGTERM) and wait for exit. */
  stop(): Promise<void>;
  /** Hard kill (SIGKILL by default) and wait for exit: a crash, as far as storage can tell. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

export interface FunclocalOptions {
  app: string;
  /** Storage connection string (e.g. from startAzurite()). */
  storage?: string;
  cosmos?: string;
  /**
   * The HTTP port. Default: 0, the host binds any free port and its "listening on" line says
   * which. Give one only when the host must know its own URL up front (then start it through
   * `startOnFreePort`, which retries a port taken meanwhile).
   */
  port?: number;
  data?: string;
  env?: Record<string, string>;
  extraArgs?: string[];
  /** How long to wait for "Host started" (default 60 s). */
  startTimeoutMs?: number;
}

const FUNCLOCAL = resolve(__dirname, '../../dist/devhost/cli/funclocal.js');

/** The host's "Host started: … listening on http://localhost:PORT" line. */
const STARTED = /Host started: .* listening on http:\/\/[^:\s]+:(\d+)/;

/**
 * Runs the compiled `funclocal start` as a child process (one app per process, as in Azure)
 * and resolves when the host says it listens. `npm test` builds dist/ first.
 */
export async function startFunclocal(options: FunclocalOptions): Promise<RunningFunclocal> {
  const args = [FUNCLOCAL, 'start', '--app', resolve(options.app), '--port', String(options.port ?? 0), ...(options.extraArgs ?? [])];
  if (options.storage) args.push('--storage', options.storage);
  if (options.cosmos) args.push('--cosmos', options.cosmos);
  if (options.data) args.push('--data', options.data);
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`funclocal did not start in time:\n${out}`)), options.startTimeoutMs ?? 60000);
    const check = () => {
      const started = STARTED.exec(out);
      if (started) { clearTimeout(timer); resolveStart(Number(started[1])); }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`funclocal exited with ${code} before starting:\n${out}`)); });
  });
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    baseUrl: `http://localhost:${port}`,
    port,
    logs: () => out,
    stop: () => waitExit('SIGTERM'),
    kill: (signal = 'SIGKILL') => waitExit(signal),
    exited,
  };
}

/** Runs `funclocal` with arbitrary arguments to completion: for startup-error tests. */
export function runFunclocal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [FUNCLOCAL, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolveRun({ code, stdout, stderr }));
  });
}
