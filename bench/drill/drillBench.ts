/**
 * bench/drill: drill wall time ÷ the time to boot the same guest directly with qemu (issue 15;
 * goals ≤ 1.5 for one machine, ≤ 2 for a three-machine plan). The whole app runs in funclocal
 * with `ASR_TARGET_FABRIC=qemu` on the emulators (Durable history in Azurite, metadata in Cosmos
 * DB), as `npm start` runs it; the source machines are the test guest of docs/guest.md, each
 * serving its own text, seeded into the replica before the clock starts.
 *
 * Drill wall time: `POST …/drillSchedules/{s}/run` (what `asr drill run` sends) → the run record
 * holds its verdict (`Passed`: the console's ready line and the HTTP probe passed on every
 * machine); reported apart: → cleanup done (`phase: Done`). The baseline boots the guest from its
 * source image with the fabric's qemu flags until the same two probes pass (bench/drill/directBoot.ts),
 * median of three boots interleaved with the drills. The split of a drill's time comes from
 * watching the fabric's state directory: when qemu was launched, when the ready line appeared.
 *
 *   npm run build && node dist/bench/drill/drillBench.js [machines=1,3] [pollSeconds]
 *
 * `pollSeconds` sets DRILL_POLL_SECONDS (how often a drill looks at its jobs); unset, the app's default.
 * Timings are noisy on a shared 2-core machine: the numbers are ratios of one run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnEmulatorsProcess } from '../../devhost/emulators/spawnEmulatorsProcess';
import { FABRIC_CONTAINERS } from '../../shared/fabric';
import { buildHrl } from '../../shared/hrl';
import { digestOfBuffer } from '../../shared/integrity';
import { freeLoopbackPort } from '../../shared/os/freeLoopbackPort';
import { mergeDisk, pendingLogBlob, REPLICA_CONTAINERS, vaultSegmentOf } from '../../shared/replication';
import { DevelopmentIssuer } from '../../shared/security';
import { armCaller, startAppHost } from '../benchHost';
import { benchReplication } from '../benchReplication';
import { bootDirectly, buildGuest, type BootProbes } from './directBoot';

const ROOT = resolve(__dirname, '../../..');
const SUB = '00000000-0000-0000-0000-0000000000cc';
const V = `/subscriptions/${SUB}/resourceGroups/bench/providers/Microsoft.RecoveryServices/vaults/bench`;
const VAULT_KEY = `${SUB}/bench/bench`;
const P = `${V}/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems`;
const DB = 'drillbench';
const READY = /asr-guest: ready/;
const served = (name: string) => `orders of ${name}: 1001 paid, 1002 shipped\n`;

/** When each machine's qemu was launched and when its ready line appeared, read from the fabric's state directory. */
class FabricWatcher {
  readonly launched = new Map<string, number>();
  readonly ready = new Map<string, number>();
  constructor(private readonly stateDir: string) {}

  look(now: number): void {
    if (!existsSync(this.stateDir)) return;
    for (const rg of readdirSync(this.stateDir)) {
      for (const machine of readdirSync(join(this.stateDir, rg))) {
        const dir = join(this.stateDir, rg, machine);
        if (!this.launched.has(machine) && existsSync(join(dir, 'process.json'))) this.launched.set(machine, now);
        try {
          if (!this.ready.has(machine) && READY.test(readFileSync(join(dir, 'console.log'), 'utf8'))) this.ready.set(machine, now);
        } catch { /* not there yet, or removed by the cleanup */ }
      }
    }
  }

  clear(): void {
    this.launched.clear();
    this.ready.clear();
  }
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '1,3').split(',').map(Number);
  const pollSeconds = process.argv[3];
  const guest = buildGuest(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'drill-bench-'));
  const [blobPort, queuePort, tablePort, cosmosPort, serviceBusPort, port] = await Promise.all(Array.from({ length: 6 }, () => freeLoopbackPort()));
  const emulators = await spawnEmulatorsProcess({ blobPort, queuePort, tablePort, cosmosPort, serviceBusPort });
  const s = emulators.settings;
  const env = {
    COSMOS_KEY: s.cosmosKey, COSMOS_DATABASE: DB, ASR_AUTH_MODE: 'local', ASR_SUBSCRIPTIONS: SUB, ASR_DEV_ISSUER_DIR: join(dir, 'dev-issuer'), ASR_DATA_DIR: dir,
    ASR_CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'), ASR_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ASR_TARGET_FABRIC: 'qemu', ...(pollSeconds ? { DRILL_POLL_SECONDS: pollSeconds } : {}),
  };
  // DRILL_BENCH_HOST_LOG=<file>: the host's output, to see which hop took the time.
  const host = await startAppHost(port, env, s.storageConnectionString, s.cosmosEndpoint, { logFile: process.env.DRILL_BENCH_HOST_LOG });
  const watcher = new FabricWatcher(join(dir, 'qemu'));
  try {
    const token = await (await DevelopmentIssuer.open(env.ASR_DEV_ISSUER_DIR)).mintToken({ role: 'Contributor' });
    const call = armCaller(port, token);
    await call('PUT', V, { location: 'local' });
    await call('PUT', `${V}/replicationFabrics/site`, { properties: { customDetails: { instanceType: 'HyperVSite' } } });
    await call('PUT', `${V}/replicationFabrics/site/replicationProtectionContainers/host`, { properties: {} });
    await call('PUT', `${V}/replicationPolicies/p`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 300, recoveryPointHistoryDuration: 2 } } });

    const { blobs, locate, deps } = await benchReplication(s, DB, Object.values(FABRIC_CONTAINERS));

    // Each machine: the guest's image with its own served text, seeded into the replica (before any clock runs).
    const all = Array.from({ length: Math.max(...sizes) }, (_, i) => `vm${i + 1}`);
    const image = readFileSync(guest.path);
    for (const name of all) {
      await call('PUT', `${P}/${name}`, { properties: { policyId: `${V}/replicationPolicies/p`, providerSpecificDetails: {
        instanceType: 'HyperVReplicaAzure', vmName: name, targetAzureVmName: `${name}-dr`, targetVmSize: 'Standard_D2s_v3', targetAzureNetworkId: 'vnet', targetAzureSubnetId: 'app', disks: [{ diskId: 'os' }],
      } } });
      await call('PATCH', `${P}/${name}`, { properties: { applicationProbes: [{ kind: 'http', name: 'orders', port: 80, path: '/data.txt', contains: served(name) }] } });
      const disk = Buffer.from(image);
      Buffer.from(served(name)).copy(disk, guest.dataOffset);
      const ref = { vault: vaultSegmentOf(VAULT_KEY), item: name, disk: 'os' };
      const log = buildHrl({ vaultId: ref.vault, protectedItemId: name, diskId: 'os', sequence: 1n, epoch: 1n, virtualSize: disk.length, cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: digestOfBuffer(disk) },
        [{ offset: 0, payload: disk }]);
      const protectionid = (await locate(ref))?.item.properties.providerSpecificDetails.protectionId;
      await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(ref, 1n)).uploadData(log, protectionid ? { metadata: { protectionid } } : {});
      await mergeDisk(deps, ref);
    }

    const probes: BootProbes = { ready: READY, path: '/data.txt', contains: served('vm1') };
    const direct: number[] = [];
    const directReady: number[] = [];
    // vm1's source disk, as a file the direct boot reads (the drills read the replica of the same bytes).
    const directImage = join(dir, 'direct-source.img');
    const source = Buffer.from(image);
    Buffer.from(served('vm1')).copy(source, guest.dataOffset);
    writeFileSync(directImage, source);
    const boot = async () => {
      const b = await bootDirectly(directImage, join(dir, `direct-${direct.length}`), probes);
      direct.push(b.seconds);
      directReady.push(b.readySeconds);
    };
    await boot();

    const lines: string[] = [];
    for (const n of sizes) {
      const plan = `plan${n}`;
      const names = all.slice(0, n);
      await call('PUT', `${V}/replicationRecoveryPlans/${plan}`, { properties: {
        primaryFabricId: `${V}/replicationFabrics/site`, recoveryFabricId: 'Microsoft Azure',
        groups: [{ groupType: 'Boot', replicationProtectedItems: names.map((x) => ({ id: `${P}/${x}` })) }],
      } });
      const schedule = `${V}/replicationRecoveryPlans/${plan}/drillSchedules/bench`;
      await call('PUT', schedule, { properties: { schedule: '0 0 2 * * *', enabled: false, verification: 'ApplicationProbes', keepUpSeconds: 0, testNetworkId: 'drill-isolated' } });

      watcher.clear();
      const startedAtWall = Date.now();
      const t0 = performance.now();
      const at = () => (performance.now() - t0) / 1000;
      const started = await call('POST', `${schedule}/run`, {});
      let verdict: number | undefined;
      let run: any;
      for (;;) {
        watcher.look(at());
        run = (await call('GET', `${schedule}/drillRuns/${started.body.name}`)).body;
        if (verdict === undefined && run.properties.result) verdict = at();
        if (run.properties.phase === 'Done') break;
        if (at() > 900) throw new Error(`drill did not end: ${JSON.stringify(run.properties)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = at();
      const p = run.properties;
      if (p.result !== 'Passed' || verdict === undefined) throw new Error(`drill of ${n} machine(s): ${p.result}: ${p.reason}`);
      await boot();
      // n guests booted directly at once: what the CPU alone costs n TCG guests on this machine,
      // so the reader can tell the drill's own overhead from the guests' contention.
      const together = n > 1
        ? Math.max(...(await Promise.all(names.map((_, i) => bootDirectly(directImage, join(dir, `direct-together-${n}-${i}`), probes)))).map((b) => b.seconds))
        : undefined;

      const launched = Math.max(...names.map((x) => watcher.launched.get(`${x}-dr-test`) ?? NaN));
      const ready = Math.max(...names.map((x) => watcher.ready.get(`${x}-dr-test`) ?? NaN));
      const firstLaunch = Math.min(...names.map((x) => watcher.launched.get(`${x}-dr-test`) ?? NaN));
      const base = median(direct);
      // The test failover job's steps on the same clock: where the time before the boot went.
      const job = (await call('GET', `${V}/replicationJobs/${p.testFailoverJobId}`)).body;
      const wall = (iso?: string) => (iso ? ((Date.parse(iso) - startedAtWall) / 1000).toFixed(1) : '-');
      const steps = flatten(job.properties.tasks).map((t: any) => `${t.friendlyName} ${wall(t.startTime)}-${wall(t.endTime)}`);
      lines.push(
        `drill of ${n} machine(s) (one boot group, DRILL_POLL_SECONDS=${pollSeconds ?? 'default'}): ${verdict.toFixed(1)} s to the verdict (Passed), ${done.toFixed(1)} s to cleanup done`,
        `  split: request -> first qemu launched ${firstLaunch.toFixed(1)} s (last ${launched.toFixed(1)} s; drill start, test failover job, point, disk copy, base download, overlay); ` +
        `-> last ready line ${ready.toFixed(1)} s (boot); -> verdict ${verdict.toFixed(1)} s (probe, job, drill poll); -> cleanup done ${done.toFixed(1)} s`,
        `  drill start ${wall(p.startTime)} s; job ${wall(job.properties.startTime)}-${wall(job.properties.endTime)} s: ${steps.join('; ')}`,
        `  drill wall time / direct boot (median ${base.toFixed(1)} s of ${direct.length}): ${(verdict / base).toFixed(2)} (goal <= ${n === 1 ? '1.5' : '2'}); to cleanup done: ${(done / base).toFixed(2)}`,
        ...(together === undefined ? [] : [`  drill wall time / ${n} guests booted directly at once (${together.toFixed(1)} s, the last to answer): ${(verdict / together).toFixed(2)}`]),
      );
    }
    process.stdout.write(`direct boots (qemu TCG, same flags, until ready line + HTTP answer): ${direct.map((x) => x.toFixed(1)).join(', ')} s (ready line at ${directReady.map((x) => x.toFixed(1)).join(', ')} s)\n${lines.join('\n')}\n`);
  } finally {
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    await emulators.stop();
    killQemuUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

 
const flatten = (tasks: any[]): any[] => tasks.flatMap((t) => [t, ...flatten(t.groupTaskCustomDetails?.childTasks ?? [])]);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** qemu daemonized by the fabric outlives the host: kill what still runs from this bench's directory. */
function killQemuUnder(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.startsWith('qemu-system') && cmd.includes(dir)) process.kill(Number(entry), 'SIGKILL');
    } catch { /* gone meanwhile */ }
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
