/**
 * Durable host benchmark (not a test): a 1,000-activity fan-out and a 100-step sequence of
 * no-op activities on funclocal over Azurite, against the same machine's raw cost of one table
 * write plus one queue round-trip, all measured in one run so the ratios mean something.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/durable/durableBench.js [fanOut=1000] [steps=100]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { azuriteConnectionString } from '../../shared/config/developmentStorage';

const ROOT = resolve(__dirname, '../../..');
const APP = resolve(ROOT, 'test/fixtures/apps/durable-bench');
const FUNCLOCAL = resolve(ROOT, 'dist/devhost/cli/funclocal.js');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); });
  });
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((ok, fail) => {
    let out = '';
    const on = (d: Buffer) => { out += d.toString(); if (pattern.test(out)) ok(); };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (c) => fail(new Error(`${what} exited with ${c}: ${out}`)));
  });
}

async function startAzurite(): Promise<{ conn: string; child: ChildProcess }> {
  const [b, q, t] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [require.resolve('azurite/dist/src/azurite.js'), '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose',
    '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', String(b), '--queuePort', String(q), '--tablePort', String(t)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, /Table service is successfully listening/, 'azurite');
  const conn = azuriteConnectionString('127.0.0.1', { blob: b, queue: q, table: t });
  return { conn, child };
}

/** One table write plus one queue round-trip (send, receive, delete), sequentially: ms each. */
async function rawStorageCost(conn: string, n: number): Promise<number> {
  const table = TableClient.fromConnectionString(conn, 'BenchRaw', { allowInsecureConnection: true });
  await table.createTable();
  const queue = QueueServiceClient.fromConnectionString(conn).getQueueClient('bench-raw');
  await queue.createIfNotExists();
  const once = async (i: number) => {
    await table.upsertEntity({ partitionKey: 'p', rowKey: String(i), Payload: randomUUID() }, 'Replace');
    await queue.sendMessage(JSON.stringify({ i }));
    const [m] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
    await queue.deleteMessage(m.messageId, m.popReceipt);
  };
  for (let i = 0; i < 20; i++) await once(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await once(i);
  return (performance.now() - t0) / n;
}

/** GET as JSON, retrying a connection the loaded machine dropped. */
async function getJson(url: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try { return await (await fetch(url)).json(); } catch (e) { if (attempt >= 5) throw e; }
  }
}

async function runOrchestration(base: string, name: string, input: number): Promise<number> {
  const api = `${base}/runtime/webhooks/durabletask`;
  const t0 = performance.now();
  const res = await fetch(`${api}/orchestrators/${name}`, { method: 'POST', body: JSON.stringify(input) });
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const s = (await getJson(`${api}/instances/${id}`)) as { runtimeStatus: string; output: unknown };
    if (s.runtimeStatus === 'Completed') break;
    if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') throw new Error(`${name} ${s.runtimeStatus}: ${JSON.stringify(s.output)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const fanOut = Number(process.argv[2] ?? 1000);
  const steps = Number(process.argv[3] ?? 100);
  const azurite = await startAzurite();
  const port = await freePort();
  const host = spawn(process.execPath, [FUNCLOCAL, 'start', '--app', APP, '--port', String(port), '--storage', azurite.conn, '--log-level', process.env.BENCH_LOG ?? 'information'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForOutput(host, /Host started/, 'funclocal');
    if (process.env.BENCH_LOG) host.stderr!.pipe(process.stderr);
    const base = `http://127.0.0.1:${port}`;
    // The machine is shared: the reference is measured right before and after each scenario.
    const rawCost = () => rawStorageCost(azurite.conn, 100);
    await runOrchestration(base, 'sequenceNoop', 5); // warm-up: tables, queues, JIT
    const raw0 = await rawCost();
    const fanMs = await runOrchestration(base, 'fanOutNoop', fanOut);
    const raw1 = await rawCost();
    const seqMs = await runOrchestration(base, 'sequenceNoop', steps);
    const raw2 = await rawCost();
    const rows = [
      { scenario: `fan-out of ${fanOut}`, activities: fanOut, ms: fanMs, raw: (raw0 + raw1) / 2 },
      { scenario: `sequence of ${steps}`, activities: steps, ms: seqMs, raw: (raw1 + raw2) / 2 },
    ];
    console.log(`raw storage reference (1 table write + 1 queue send/receive/delete): ${raw0.toFixed(2)} / ${raw1.toFixed(2)} / ${raw2.toFixed(2)} ms (before, between, after)`);
    for (const r of rows) {
      const per = r.ms / r.activities;
      console.log(`${r.scenario.padEnd(18)} ${(r.ms / 1000).toFixed(2)} s  ${(1000 / per).toFixed(0).padStart(5)} activities/s  ` +
        `host overhead ${per.toFixed(2)} ms per activity = ${(per / r.raw).toFixed(2)} x the raw reference (${r.raw.toFixed(2)} ms)`);
    }
  } finally {
    host.kill('SIGTERM');
    azurite.child.kill('SIGTERM');
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
