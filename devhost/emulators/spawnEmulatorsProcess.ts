import { ChildProcess, spawn } from 'node:child_process';
import { ServiceError } from '../../shared/errors';
import { compiledEmulatorScript } from './compiledEmulatorScript';
import { EmulatorSettings } from './EmulatorSettings';
import { EmulatorsCommandOptions, READY_PREFIX } from './runEmulatorsCommand';

export interface SpawnEmulatorsOptions extends EmulatorsCommandOptions {
  /** How long to wait for the ready line; 30 s by default. */
  readyTimeoutMs?: number;
  /** Receives the child's stderr as it comes (it is also kept for error messages). */
  onStderr?: (text: string) => void;
  /** Extra node arguments for the child (a bench's `--cpu-prof --cpu-prof-dir=DIR`). */
  nodeArgs?: string[];
}

export interface EmulatorsProcess {
  settings: EmulatorSettings;
  pid: number;
  /** SIGTERM, then SIGKILL after 15 s; resolves when the process has exited. */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  /** The exit code, or null when a signal ended the process. */
  exited: Promise<number | null>;
}

function args(opts: EmulatorsCommandOptions): string[] {
  const out: string[] = [];
  if (opts.data) out.push('--data', opts.data);
  if (opts.host) out.push('--host', opts.host);
  const ports: [string, number | undefined][] = [['--blob-port', opts.blobPort], ['--queue-port', opts.queuePort],
    ['--table-port', opts.tablePort], ['--cosmos-port', opts.cosmosPort], ['--service-bus-port', opts.serviceBusPort], ['--cosmos-compact-at', opts.cosmosCompactAt]];
  for (const [flag, value] of ports) if (value !== undefined) out.push(flag, String(value));
  if (opts.serviceBusConfig) out.push('--service-bus-config', opts.serviceBusConfig);
  return out;
}

/**
 * Launches the emulators as a child process (node + main.js) and resolves once it printed its
 * ready line. Fails with the child's stderr when it exits first or stays silent too long.
 */
export function spawnEmulatorsProcess(opts: SpawnEmulatorsOptions = {}): Promise<EmulatorsProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), compiledEmulatorScript('main.js'), ...args(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-8000);
    opts.onStderr?.(text);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const stop = async () => {
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<EmulatorsProcess>((resolve, reject) => {
    let stdout = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      kill('SIGKILL');
      reject(new ServiceError('EmulatorsDidNotStart', `emulators process ${why}: ${stderr.trim() || '(no stderr)'}`,
        { details: { pid: child.pid } }));
    };
    const timeoutMs = opts.readyTimeoutMs ?? 30000;
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => fail(`could not be launched (${err.message})`));
    void exited.then((code) => fail(`exited with ${code ?? child.signalCode} before it was ready`));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const nl = stdout.indexOf('\n');
      if (nl < 0 || !stdout.startsWith(READY_PREFIX)) return;
      clearTimeout(timer);
      try {
        const { settings } = JSON.parse(stdout.slice(0, nl)) as { settings: EmulatorSettings };
        resolve({ settings, pid: child.pid!, stop, kill, exited });
      } catch (err) {
        fail(`printed a malformed ready line (${(err as Error).message})`);
      }
    });
  });
}
