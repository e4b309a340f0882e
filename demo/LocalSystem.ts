import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { findRunningEmulators } from '../devhost/emulators';
import { DemoError } from './DemoError';
import { freeLoopbackPort } from './freeLoopbackPort';

/** The whole local system the demo runs against: `funclocal` with the app, and the emulators process it launched. */
export interface RunningLocalSystem {
  baseUrl: string;
  /** Settings the CLI and the agent need (as a user would export them). */
  env: Record<string, string>;
  /** Where the host's output goes. */
  logFile: string;
  /** The last lines the host printed: evidence for a failure report. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface LocalSystemOptions {
  /** Extra settings for the host. */
  env?: Record<string, string>;
  /** How long to wait for /health (default 120 s). */
  timeoutMs?: number;
  /** Called as soon as the host process exists, with its stop: so an interruption during startup can stop it. */
  onSpawned?: (stop: () => Promise<void>) => void;
  /** Where the host's port comes from (default: a free loopback port); tests inject a taken one. */
  pickPort?: () => Promise<number>;
}

/** Fresh ports tried when the picked one is taken before the host binds it. */
const PORT_ATTEMPTS = 5;

const ROOT = resolve(__dirname, '..', '..');
const FUNCLOCAL = join(ROOT, 'dist', 'devhost', 'cli', 'funclocal.js');

/**
 * Starts `funclocal start` on the project (the app exactly as `npm start` loads it) with a
 * private data directory and free ports for the host and the emulators it launches, so the
 * demo never touches `.data`, port 7071 or a running `npm start`. Resolves once `/health` is 200.
 */
export async function startLocalSystem(dataDir: string, options: LocalSystemOptions = {}): Promise<RunningLocalSystem> {
  // The host must know its URL before it binds (runbook callbacks name it), so the port is picked
  // up front; another process can take it between the pick and the bind (EADDRINUSE): then the
  // start is retried on a fresh port. Any other failure is final.
  for (let attempt = 1; ; attempt++) {
    const port = await (options.pickPort ?? freeLoopbackPort)();
    try {
      return await startLocalSystemOn(port, dataDir, options);
    } catch (err) {
      const taken = err instanceof DemoError && err.code === 'HostExited' && /EADDRINUSE/.test(err.message);
      if (!taken || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

async function startLocalSystemOn(port: number, dataDir: string, options: LocalSystemOptions): Promise<RunningLocalSystem> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const baseUrl = `http://127.0.0.1:${port}`;
  const hostEnv: Record<string, string> = {
    ASR_AUTH_MODE: 'local',
    ASR_DATA_DIR: dataDir,
    ASR_DEV_ISSUER_DIR: join(dataDir, 'dev-issuer'),
    // Runbook callbacks: the signing key and the address the runbook calls back on.
    ASR_CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'),
    ASR_PUBLIC_BASE_URL: baseUrl,
    RECOVERY_POLL_SECONDS: '1',
    FUNCLOCAL_BLOB_POLL_MS: '250',
    ...options.env,
  };
  const logFile = join(dataDir, 'funclocal.log');
  const log: WriteStream = createWriteStream(logFile);
  const child: ChildProcess = spawn(process.execPath, [
    FUNCLOCAL, 'start', '--app', ROOT, '--port', String(port), '--data', dataDir, '--emulator-ports', 'auto',
  ], { env: { ...process.env, ...hostEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let recent = '';
  const onOutput = (d: Buffer) => {
    log.write(d);
    recent = (recent + d.toString()).slice(-64 * 1024);
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const logTail = (lines = 25) => recent.split('\n').slice(-lines - 1).join('\n');

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    // funclocal stops the emulators it launched; if it died first (e.g. signalled before its
    // handlers were installed) they outlive it by design, so stop what serves our private dir.
    await stopLeftovers(dataDir);
    await new Promise<void>((r) => log.end(() => r()));
  })());
  options.onSpawned?.(stop);

  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new DemoError('HostExited', `funclocal exited with code ${child.exitCode} before it was ready:\n${logTail()}`);
      if (!/Host started: .* listening on/.test(recent)) return false;
      const res = await fetch(`${baseUrl}/health`).catch(() => undefined);
      return res?.status === 200;
    }, timeoutMs, () => `the local host was not healthy within ${timeoutMs / 1000} s:\n${logTail()}`);
    const emulators = findRunningEmulators(dataDir);
    if (!emulators) throw new DemoError('EmulatorsMissing', `funclocal is up but no emulators process serves ${dataDir}`);
    return {
      baseUrl, logFile, logTail, stop,
      env: {
        ASR_ENDPOINT: baseUrl,
        ASR_DATA_DIR: dataDir,
        ASR_DEV_ISSUER_DIR: hostEnv.ASR_DEV_ISSUER_DIR,
        // Development tokens from the host's issuer, whatever token the user's shell holds for another endpoint.
        ASR_TOKEN: '',
        // The agent registers as a source site and uploads through per-log URLs: no storage
        // credential, whatever the user's shell holds.
        ASR_STORAGE_CONNECTION_STRING: '',
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Processes started for `dataDir` that are still alive: the emulators process named in its
 * settings file, and (on Linux) any process whose command line names the directory, or a qemu
 * whose files are under it - it is a fresh temp directory, so nothing else does. SIGTERM, then SIGKILL after 10 s.
 */
async function stopLeftovers(dataDir: string): Promise<void> {
  const pids = new Set<number>();
  const recorded = findRunningEmulators(dataDir);
  if (recorded) pids.add(recorded.pid);
  if (existsSync('/proc')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // qemu daemonized by the qemu fabric (its files are under dataDir) outlives the host when a drill is cut short.
        if (cmd.split('\0').includes(dataDir) || (cmd.startsWith('qemu-system') && cmd.includes(`${dataDir}/`))) pids.add(Number(entry));
      } catch { /* exited meanwhile */ }
    }
  }
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + 10_000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** Polls `ready` every 250 ms until true; a throw from `ready` ends the wait at once. */
export async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new DemoError('Timeout', describe());
    await new Promise((r) => setTimeout(r, 250));
  }
}
