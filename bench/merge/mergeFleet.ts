/**
 * bench/merge fleet: many protected disks on one policy, their small logs (64 KiB–1 MiB) going
 * through the blob trigger and the merge of the whole app in funclocal (as `npm start` runs it:
 * Durable, timers, the sweep, Cosmos DB metadata), measured from outside.
 *
 *   npm run build && node dist/bench/merge/mergeFleet.js [disks=2000] [steadySeconds=60]
 *
 * 2,000 disks on a 30 s policy (the shortest ASR allows) upload 67 logs/s. Three phases:
 * - seed: the first log (64 KiB) of every disk, as fast as the driver uploads;
 * - steady: every disk uploads its next log once per interval, spread evenly (disks ÷ interval
 *   logs/s offered); lag = log uploaded → merged (the replica advanced and the log left `hrl`),
 *   p50/p99/max; goal p99 below one interval;
 * - burst: one more log per disk, all at once: merged logs ÷ the time from the first upload to the
 *   last merge is the sustained rate; reported ÷ 67 (2,000 disks at 30 s; goal ≥ 1.5).
 * Memory is the resident set (peak) of the funclocal process and of the emulators process (which
 * keep their data in a temporary directory, as `npm start` does in .data). One run on a shared machine: ratios only.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { buildHrl } from '../../shared/hrl';
import { pendingLogBlob, REPLICA_CONTAINERS, vaultSegmentOf, type DiskRef } from '../../shared/replication';
import { LOG_METADATA } from '../../shared/contracts/logChecksum';
import { cpuSeconds, residentMiB, startBenchApp } from './fleetHost';

const DISKS = Number(process.argv[2] ?? 2000);
const STEADY_SECONDS = Number(process.argv[3] ?? 60);
const INTERVAL_SECONDS = 30;
/** 2,000 disks on a 30 s policy. */
const GOAL_RATE = 2000 / 30;
const SUB = '00000000-0000-0000-0000-0000000000cc';
const V = `/subscriptions/${SUB}/resourceGroups/bench/providers/Microsoft.RecoveryServices/vaults/fleet`;
const VAULT = vaultSegmentOf(`${SUB}/bench/fleet`);
const DB = 'mergefleet';
const KIB64 = 64 * 1024;
const DISK_BYTES = 8 * 1024 * 1024;
const SLOTS = DISK_BYTES / KIB64;
/** Random bytes the payloads are cut from (generating each log's bytes would cost the driver more than the merge). */
const NOISE = randomBytes(4 * 1024 * 1024);
const UPLOADS_IN_FLIGHT = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** 1–16 records of 64 KiB, log-uniform (mean ≈ 350 KiB), at distinct random slots of the disk. */
function buildLog(disk: DiskRef, sequence: number, records?: number): Buffer {
  const n = records ?? Math.min(16, Math.max(1, Math.round(2 ** (Math.random() * 4))));
  const slots = new Set<number>();
  while (slots.size < n) slots.add(Math.floor(Math.random() * SLOTS));
  const writes = [...slots].sort((a, b) => a - b).map((s) => {
    const at = Math.floor(Math.random() * (NOISE.length - KIB64) / 4096) * 4096;
    return { offset: s * KIB64, payload: NOISE.subarray(at, at + KIB64) };
  });
  return buildHrl({
    vaultId: disk.vault, protectedItemId: disk.item, diskId: disk.disk, sequence: BigInt(sequence), epoch: 1n, virtualSize: DISK_BYTES,
    cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: Buffer.alloc(32),
  }, writes);
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function count(container: ContainerClient): Promise<number> {
  let n = 0;
  for await (const _ of container.listBlobsFlat()) n++;
  return n;
}

/**
 * Waits until every uploaded log left `hrl` (merged or refused); false once none left for
 * `stallMs`. A slow host (a loaded machine, a fleet larger than it) is waited for and reported; a
 * stuck one fails the run.
 */
async function drained(watch: { left: number }, stallMs: number): Promise<boolean> {
  let left = watch.left;
  let progressAt = Date.now();
  while (Date.now() - progressAt < stallMs) {
    if (watch.left === 0) return true;
    if (watch.left !== left) {
      left = watch.left;
      progressAt = Date.now();
    }
    await sleep(250);
  }
  return false;
}

/**
 * When each uploaded log was merged. First choice: the host's own log line for the trigger's
 * merge (`merge of {vault}/{item}/{disk}: …, applied [n,…]`, stamped to the millisecond). Logs
 * a sweep merged have no such line: `hrl` is also listed every `everyMs` and a log uploaded
 * before a listing began but missing from it counts as merged when that listing ends. (Blob times
 * cannot serve: storage keeps Last-Modified to the second; and listing often would load the
 * single-threaded emulator the merge needs.)
 */
class MergeWatch {
  readonly mergedAt = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private readonly logged = new Map<string, number>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly pending: ContainerClient, everyMs: number) {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.look();
        await sleep(everyMs);
      }
    })();
  }

  /** A line of the host's log. */
  hostLogLine = (line: string): void => {
    const m = /^(\S+) .*merge of ([^/\s]+)\/([^/\s]+)\/([^:\s]+): \w+, applied \[([\d,]*)\]/.exec(line);
    if (!m || !m[5]) return;
    const at = Date.parse(m[1]);
    for (const seq of m[5].split(',')) {
      const name = pendingLogBlob({ vault: m[2], item: m[3], disk: m[4] }, BigInt(seq));
      this.logged.set(name, at);
      if (this.waiting.delete(name)) this.mergedAt.set(name, at);
    }
  };

  uploaded(blobName: string, at: number): void {
    const logged = this.logged.get(blobName);
    if (logged !== undefined && logged >= at - 1000) this.mergedAt.set(blobName, logged);
    else this.waiting.set(blobName, at);
  }

  get left(): number {
    return this.waiting.size;
  }

  private async look(): Promise<void> {
    const began = Date.now();
    const present = new Set<string>();
    for await (const b of this.pending.listBlobsFlat()) present.add(b.name);
    const ended = Date.now();
    for (const [name, at] of this.waiting) {
      if (at < began && !present.has(name)) {
        this.mergedAt.set(name, ended);
        this.waiting.delete(name);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

interface Upload { disk: DiskRef; sequence: number; blobName: string; at: number }

async function main(): Promise<void> {
  let watch: MergeWatch | undefined;
  const app = await startBenchApp(DB, SUB, (line) => watch?.hostLogLine(line));
  const { host, emulators, call } = app;
  // Stopped from outside (a `timeout`): take the host and the emulators down too, not leave them running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`merge fleet: ${signal}, stopping the host and the emulators\n`);
      void app.stop().finally(() => process.exit(130));
    });
  }
  const s = emulators.settings;
  try {
    await call('PUT', V, { location: 'local' });
    await call('PUT', `${V}/replicationFabrics/site`, { properties: {} });
    await call('PUT', `${V}/replicationFabrics/site/replicationProtectionContainers/host`, { properties: {} });
    await call('PUT', `${V}/replicationPolicies/p`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: INTERVAL_SECONDS, recoveryPointHistoryDuration: 2 } } });
    const P = `${V}/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems`;
    const names = Array.from({ length: DISKS }, (_, i) => `vm${String(i).padStart(4, '0')}`);
    const protection = new Map<string, string>();
    const t0 = Date.now();
    await pool(names, 8, async (name) => {
      const item = await call('PUT', `${P}/${name}`, { properties: { policyId: `${V}/replicationPolicies/p`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', targetAzureNetworkId: 'vnet', disks: [{ diskId: 'os' }] } } });
      const id = (item ?? await call('GET', `${P}/${name}`)).properties.providerSpecificDetails.protectionId as string;
      protection.set(name, id);
    });
    process.stdout.write(`merge fleet: ${DISKS} disks (8 MiB) on a ${INTERVAL_SECONDS} s policy = ${(DISKS / INTERVAL_SECONDS).toFixed(1)} logs/s; protected in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const blobs = BlobServiceClient.fromConnectionString(s.storageConnectionString);
    for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
    const pending = blobs.getContainerClient(REPLICA_CONTAINERS.pending);
    // Seldom: a listing of `hrl` costs the emulator what the backlog holds; the log lines time almost every merge.
    watch = new MergeWatch(pending, 15_000);
    const w = watch;
    const uploads: Upload[] = [];
    const upload = async (name: string, sequence: number, records?: number) => {
      const disk = { vault: VAULT, item: name, disk: 'os' };
      const log = buildLog(disk, sequence, records);
      const blobName = pendingLogBlob(disk, BigInt(sequence));
      await pending.getBlockBlobClient(blobName).uploadData(log, { metadata: { [LOG_METADATA.protectionId]: protection.get(name)! } });
      const at = Date.now();
      uploads.push({ disk, sequence, blobName, at });
      w.uploaded(blobName, at);
    };
    /** A fleet larger than the host drains at its own pace, and the bench reports it; two minutes without a merge is a stall. */
    const STALL_MS = 120_000;

    // Seed: the first log of every disk (creates the replicas).
    const seedStart = Date.now();
    await pool(names, UPLOADS_IN_FLIGHT, (n) => upload(n, 1, 1));
    const seedUploaded = Date.now();
    if (!(await drained(w, STALL_MS))) throw new Error('the seed logs were not merged in time');
    const seedSeconds = (Date.now() - seedStart) / 1000;
    process.stdout.write(`seed: ${DISKS} first logs (64 KiB) uploaded in ${((seedUploaded - seedStart) / 1000).toFixed(1)} s, all merged after ${seedSeconds.toFixed(1)} s (${(DISKS / seedSeconds).toFixed(1)} logs/s)\n`);

    // Steady: disk i uploads at i/disks of the interval, then every interval.
    const schedule: { due: number; name: string; sequence: number }[] = [];
    for (let k = 0; k * INTERVAL_SECONDS < STEADY_SECONDS; k++) {
      names.forEach((name, i) => {
        const due = (k + i / DISKS) * INTERVAL_SECONDS * 1000;
        if (due < STEADY_SECONDS * 1000) schedule.push({ due, name, sequence: k + 2 });
      });
    }
    schedule.sort((a, b) => a.due - b.due);
    const steadyStart = Date.now();
    const steadyFrom = uploads.length;
    let latest = 0;
    let inFlight = 0;
    const running: Promise<void>[] = [];
    for (const job of schedule) {
      const wait = steadyStart + job.due - Date.now();
      if (wait > 0) await sleep(wait);
      while (inFlight >= UPLOADS_IN_FLIGHT * 4) await sleep(5);
      latest = Math.max(latest, Date.now() - steadyStart - job.due);
      inFlight++;
      running.push(upload(job.name, job.sequence).finally(() => { inFlight--; }));
    }
    await Promise.all(running);
    const steadyUploads = uploads.slice(steadyFrom);
    const steadyOk = await drained(w, STALL_MS);
    const steadyEnd = Date.now();

    // Burst: one more log per disk, all at once.
    const cpuBefore = { host: cpuSeconds(host.pid!), emulators: cpuSeconds(emulators.pid), driver: process.cpuUsage() };
    const burstStart = Date.now();
    const burstFrom = uploads.length;
    const nextOf = new Map<string, number>();
    for (const u of uploads) nextOf.set(u.disk.item, Math.max(nextOf.get(u.disk.item) ?? 0, u.sequence + 1));
    await pool(names, UPLOADS_IN_FLIGHT, (n) => upload(n, nextOf.get(n)!));
    const burstUploaded = Date.now();
    const burstOk = await drained(w, STALL_MS);
    const burstUploads = uploads.slice(burstFrom);
    const driverCpu = process.cpuUsage(cpuBefore.driver);
    const cpu = {
      host: cpuSeconds(host.pid!) - cpuBefore.host, emulators: cpuSeconds(emulators.pid) - cpuBefore.emulators, driver: (driverCpu.user + driverCpu.system) / 1e6,
    };

    await w.stop();
    const merged = w.mergedAt;
    const lags = (us: Upload[]) => us.map((u) => (merged.get(u.blobName) ?? NaN) - u.at).filter((x) => Number.isFinite(x)).map((x) => x / 1000);
    const steadyLags = lags(steadyUploads);
    const burstLast = Math.max(...burstUploads.map((u) => merged.get(u.blobName) ?? 0));
    const burstMerged = lags(burstUploads).length;
    const burstRate = burstMerged / ((burstLast - burstStart) / 1000);
    const quarantined = await count(blobs.getContainerClient(REPLICA_CONTAINERS.quarantine));
    const mem = residentMiB(host.pid!);
    const emulatorsMem = residentMiB(emulators.pid);
    const offered = steadyUploads.length / ((Math.max(...steadyUploads.map((u) => u.at)) - steadyStart) / 1000);
    const bytes = steadyUploads.length ? 'log-uniform 64 KiB–1 MiB' : '';
    process.stdout.write([
      `steady: ${steadyUploads.length} logs (${bytes}) offered at ${offered.toFixed(1)} logs/s over ${STEADY_SECONDS} s (driver at most ${(latest / 1000).toFixed(1)} s late); ` +
        `${steadyLags.length} merged${steadyOk ? '' : ' (NOT all: timed out)'}, all merged ${((steadyEnd - Math.max(...steadyUploads.map((u) => u.at))) / 1000).toFixed(1)} s after the last upload`,
      `replication lag (upload -> merged): p50 ${percentile(steadyLags, 50).toFixed(2)} s, p99 ${percentile(steadyLags, 99).toFixed(2)} s, max ${Math.max(...steadyLags).toFixed(2)} s; p99 / interval = ${(percentile(steadyLags, 99) / INTERVAL_SECONDS).toFixed(2)} (goal < 1)`,
      `burst: ${DISKS} logs uploaded in ${((burstUploaded - burstStart) / 1000).toFixed(1)} s, ${burstMerged} merged${burstOk ? '' : ' (NOT all: timed out)'} in ${((burstLast - burstStart) / 1000).toFixed(1)} s: ${burstRate.toFixed(1)} logs/s sustained`,
      `sustained logs/s / ${GOAL_RATE.toFixed(1)} (2,000 disks at 30 s) = ${(burstRate / GOAL_RATE).toFixed(2)} (goal >= 1.5); / this fleet's ${(DISKS / INTERVAL_SECONDS).toFixed(1)} = ${(burstRate / (DISKS / INTERVAL_SECONDS)).toFixed(2)}`,
      `burst CPU per merged log: host ${(1000 * cpu.host / burstMerged).toFixed(1)} ms, emulators (Azurite + Cosmos DB) ${(1000 * cpu.emulators / burstMerged).toFixed(1)} ms, driver ${(1000 * cpu.driver / burstMerged).toFixed(1)} ms`,
      `quarantined: ${quarantined}; host (funclocal) resident memory: peak ${mem ? mem.peak.toFixed(0) : '?'} MiB, now ${mem ? mem.now.toFixed(0) : '?'} MiB; ` +
        `emulators: peak ${emulatorsMem ? emulatorsMem.peak.toFixed(0) : '?'} MiB, now ${emulatorsMem ? emulatorsMem.now.toFixed(0) : '?'} MiB`,
      '',
    ].join('\n'));
    if (quarantined > 0 || !steadyOk || !burstOk) process.exitCode = 1;
  } finally {
    await app.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
