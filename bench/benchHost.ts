import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface AppHostOptions {
  /** Extra node arguments for the host alone (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
  nodeArgs?: string[];
  /** Keep what the host prints in this file (else it is dropped). */
  logFile?: string;
  /** Each line the host writes to stderr (one per log entry, prefixed with its ISO time). */
  onLogLine?: (line: string) => void;
}

/** The whole app in funclocal (as `npm start` runs it), over the given storage and Cosmos DB, on `port`; resolves once it listens. */
export async function startAppHost(port: number, env: Record<string, string>, storage: string, cosmos: string, options: AppHostOptions = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, 'dist/devhost/cli/funclocal.js'), 'start', '--app', ROOT, '--port', String(port), '--storage', storage, '--cosmos', cosmos], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const check = (d: Buffer) => { out += d.toString(); };
  child.stdout!.on('data', check);
  child.stderr!.on('data', check);
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`host did not start:\n${out}`)), 90_000);
    const started = () => { if (/Host started: .* listening on/.test(out)) { clearTimeout(timer); ok(); } };
    child.stdout!.on('data', started);
    child.stderr!.on('data', started);
  });
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  if (options.logFile) {
    const file = createWriteStream(options.logFile);
    file.write(out);
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
    return child;
  }
  child.stdout!.resume();
  if (options.onLogLine) {
    const onLine = options.onLogLine;
    let partial = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
  }
  child.stderr!.resume();
  return child;
}

/** An authenticated caller of the host's ARM API (api-version added); throws on a status that is neither 2xx nor 202. */
export function armCaller(port: number, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}?api-version=2023-08-01`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300 && res.status !== 202) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}
