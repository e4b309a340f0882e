import { request } from 'node:http';
import { connect } from 'node:net';
import { ApplicationProbe, probeExpectation, ProbeResult } from '../contracts/ApplicationProbe';

/** A machine the fabric made, as the probes see it: its forwarded ports and its console. */
export interface ProbeTarget {
  machine: string;
  /** Guest port → the host port on 127.0.0.1 the fabric forwards to it. */
  hostPorts: Record<string, number>;
  /** The serial console so far. */
  readConsole(): Promise<string>;
  /** The console's last lines, for a failure's `got`. */
  consoleTail(text: string): string;
}

/** The only host a probe reaches: the loopback address the fabric forwards guest ports to. */
const PROBE_HOST = '127.0.0.1';
const ATTEMPT_MS = 3_000;
/** Between attempts: a console read or a loopback connection is cheap, and every interval is time a drill waits after the guest is up (bench/drill). */
const PROBE_INTERVAL_MS = 200;

/**
 * Runs each probe until it passes or the deadline passes (a machine may still be booting), all
 * at once. Connections go only to 127.0.0.1 at ports the fabric forwarded for this machine: a
 * probe naming a guest port that is not forwarded fails without a connection.
 */
export async function runApplicationProbes(target: ProbeTarget, probes: ApplicationProbe[], options: { deadline: number; intervalMs?: number }): Promise<ProbeResult[]> {
  return Promise.all(probes.map((p) => runUntil(target, p, options.deadline, options.intervalMs ?? PROBE_INTERVAL_MS)));
}

async function runUntil(target: ProbeTarget, probe: ApplicationProbe, deadline: number, intervalMs: number): Promise<ProbeResult> {
  const expected = probeExpectation(probe);
  for (;;) {
    const got = await attempt(target, probe);
    if (got.ok || Date.now() >= deadline) {
      const tail = got.ok ? '' : `; console tail:\n${target.consoleTail(await target.readConsole())}`;
      return { machine: target.machine, probe: probe.name, ok: got.ok, expected, got: `${got.got}${tail}`, at: new Date().toISOString() };
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

async function attempt(target: ProbeTarget, probe: ApplicationProbe): Promise<{ ok: boolean; got: string }> {
  if (probe.kind === 'console') {
    const line = (await target.readConsole()).replace(/\r/g, '').split('\n').find((l) => new RegExp(probe.pattern).test(l));
    return line !== undefined ? { ok: true, got: line } : { ok: false, got: 'no such line on the console' };
  }
  const hostPort = target.hostPorts[String(probe.port)];
  if (hostPort === undefined) return { ok: false, got: `guest port ${probe.port} is not forwarded by the fabric (forwarded: ${Object.keys(target.hostPorts).join(', ') || 'none'})` };
  if (probe.kind === 'tcp') return tcpAccepts(hostPort);
  return httpGet(hostPort, probe.path, probe.expectStatus, probe.contains);
}

function tcpAccepts(port: number): Promise<{ ok: boolean; got: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: PROBE_HOST, port, timeout: ATTEMPT_MS });
    s.once('connect', () => { s.destroy(); resolve({ ok: true, got: 'accepted' }); });
    s.once('timeout', () => { s.destroy(); resolve({ ok: false, got: 'no answer (timeout)' }); });
    s.once('error', (e) => resolve({ ok: false, got: e.message }));
  });
}

function httpGet(port: number, path: string, expectStatus: number, contains: string | undefined): Promise<{ ok: boolean; got: string }> {
  return new Promise((resolve) => {
    const req = request({ host: PROBE_HOST, port, path, method: 'GET', timeout: ATTEMPT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { if (size < 1024 * 1024) { chunks.push(c); size += c.length; } });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const statusOk = res.statusCode === expectStatus;
        const textOk = contains === undefined || body.includes(contains);
        const shown = body.length > 300 ? `${body.slice(0, 300)}…` : body;
        resolve({ ok: statusOk && textOk, got: `${res.statusCode} ${JSON.stringify(shown)}` });
      });
      res.on('error', (e) => resolve({ ok: false, got: e.message }));
    });
    // A guest whose user-mode network accepts before httpd listens resets or hangs: both are "not yet".
    req.once('timeout', () => req.destroy(new Error('no answer (timeout)')));
    req.once('error', (e) => resolve({ ok: false, got: e.message }));
    req.end();
  });
}
