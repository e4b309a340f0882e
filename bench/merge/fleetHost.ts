import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEmulatorsProcess, type EmulatorsProcess } from '../../devhost/emulators/spawnEmulatorsProcess';
import { freeLoopbackPort } from '../../shared/os/freeLoopbackPort';
import { DevelopmentIssuer } from '../../shared/security';
import { startAppHost } from '../benchHost';

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

/** The app in funclocal over its own emulators, and the API called as a Contributor. */
export interface BenchApp {
  host: ChildProcess;
  emulators: EmulatorsProcess;
  /** An API call (`api-version` added); throws on a status of 300 or more other than 202; the parsed body. */
  call(method: string, path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

/** Emulators on free ports (data in a temporary directory, as `npm start` keeps it in .data), the app in funclocal over them (local auth, Cosmos DB database `db`, serving `subscription`). */
export async function startBenchApp(db: string, subscription: string, onLogLine?: (line: string) => void): Promise<BenchApp> {
  const dir = mkdtempSync(join(tmpdir(), `${db}-`));
  const [blobPort, queuePort, tablePort, cosmosPort, serviceBusPort, port] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(),
    await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  // Every port free, the Service Bus stand-in's too (its default, 5672, is taken by any other run).
  // With a data directory, as `npm start` runs them: blob bytes on disk, not in the emulators' heap.
  const emulators = await spawnEmulatorsProcess({ data: join(dir, 'emulators'), blobPort, queuePort, tablePort, cosmosPort, serviceBusPort });
  const s = emulators.settings;
  const env = {
    COSMOS_KEY: s.cosmosKey, COSMOS_DATABASE: db, ASR_SUBSCRIPTIONS: subscription, ASR_AUTH_MODE: 'local', ASR_DEV_ISSUER_DIR: join(dir, 'dev-issuer'), ASR_DATA_DIR: dir,
    ASR_CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'), ASR_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  };
  const host = await startAppHost(port, env, s.storageConnectionString, s.cosmosEndpoint, { onLogLine });
  const token = await (await DevelopmentIssuer.open(env.ASR_DEV_ISSUER_DIR)).mintToken({ role: 'Contributor' });
  return {
    host, emulators,
    async call(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${port}${path}?api-version=2023-08-01`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300 && res.status !== 202) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      await stopAppHost(host);
      await emulators.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
