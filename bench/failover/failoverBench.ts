/**
 * bench/failover: a 100-machine, 5-group test failover on the local fabric with small disks,
 * against the whole app in funclocal (Durable history in Azurite, metadata in Cosmos DB), as
 * `npm start` runs it. Reports the orchestration overhead per machine and the total time
 * divided by the sum of the disk copy times (each disk materialised alone, same storage), the
 * overhead per machine ((total - sum of copy times) / machines), the Cosmos DB operations per
 * machine (counted by a proxy: the local server reports no request charge) and the p99 of GET
 * job / GET plan while the failover runs (issue 17).
 *
 *   npm run build && node dist/bench/failover/failoverBench.js [machines=100] [groups=5] [diskMiB=1]
 *
 * FAILOVER_BENCH_HOST_NODE_ARGS adds node flags to the host (`--cpu-prof --cpu-prof-dir=DIR`),
 * FAILOVER_BENCH_EMULATORS_NODE_ARGS to the emulators process (one profile per thread);
 * FAILOVER_BENCH_HOST_LOG=FILE keeps the host's output.
 *
 * Timings are noisy on a shared machine: the numbers are ratios of one run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEmulatorsProcess } from '../../devhost/emulators/spawnEmulatorsProcess';
import { buildHrl } from '../../shared/hrl';
import { digestOfBuffer } from '../../shared/integrity';
import { mergeDisk, pendingLogBlob, REPLICA_CONTAINERS, vaultSegmentOf } from '../../shared/replication';
import { materializeVerifiedDisk } from '../../shared/replication/materialize/materializeVerifiedDisk';
import { DevelopmentIssuer } from '../../shared/security';
import { armCaller, startAppHost } from '../benchHost';
import { benchReplication } from '../benchReplication';
import { CosmosOpCounter } from './CosmosOpCounter';

const SUB = '00000000-0000-0000-0000-0000000000bb';
const V = `/subscriptions/${SUB}/resourceGroups/bench/providers/Microsoft.RecoveryServices/vaults/bench`;
const VAULT_KEY = `${SUB}/bench/bench`;
const DB = 'failoverbench';

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
}

async function main(): Promise<void> {
  const machines = Number(process.argv[2] ?? 100);
  const groups = Number(process.argv[3] ?? 5);
  const diskBytes = Number(process.argv[4] ?? 1) * 1024 * 1024;
  const dir = mkdtempSync(join(tmpdir(), 'failover-bench-'));
  const [blobPort, queuePort, tablePort, cosmosPort, serviceBusPort, port] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const emulators = await spawnEmulatorsProcess({ blobPort, queuePort, tablePort, cosmosPort, serviceBusPort, nodeArgs: (process.env.FAILOVER_BENCH_EMULATORS_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  const s = emulators.settings;
  const env = {
    COSMOS_KEY: s.cosmosKey, COSMOS_DATABASE: DB, ASR_AUTH_MODE: 'local', ASR_SUBSCRIPTIONS: SUB, ASR_DEV_ISSUER_DIR: join(dir, 'dev-issuer'), ASR_DATA_DIR: dir,
    ASR_CALLBACK_SIGNING_KEY: randomBytes(32).toString('base64'), ASR_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  };
  const counter = await CosmosOpCounter.start(s.cosmosEndpoint);
  // FAILOVER_BENCH_HOST_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the host alone; FAILOVER_BENCH_HOST_LOG=FILE keeps what it printed.
  const host = await startAppHost(port, env, s.storageConnectionString, counter.endpoint, {
    nodeArgs: (process.env.FAILOVER_BENCH_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean), logFile: process.env.FAILOVER_BENCH_HOST_LOG,
  });
  // Killed (Ctrl-C, a `timeout`): the finally below never runs, so the host and the emulators go first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      host.kill('SIGKILL');
      emulators.kill('SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    const token = await (await DevelopmentIssuer.open(env.ASR_DEV_ISSUER_DIR)).mintToken({ role: 'Contributor' });
    const call = armCaller(port, token);
    await call('PUT', V, { location: 'local' });
    await call('PUT', `${V}/replicationFabrics/site`, { properties: {} });
    await call('PUT', `${V}/replicationFabrics/site/replicationProtectionContainers/host`, { properties: {} });
    await call('PUT', `${V}/replicationPolicies/p`, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 300, recoveryPointHistoryDuration: 2 } } });

    const { blobs, locate, deps } = await benchReplication(s, DB);
    const P = `${V}/replicationFabrics/site/replicationProtectionContainers/host/replicationProtectedItems`;
    const names = Array.from({ length: machines }, (_, i) => `vm${String(i).padStart(3, '0')}`);
    const t0 = Date.now();
    // Eight machines at a time: the setup of 2,000 one by one took longer than their failover.
    const replicate = async (name: string) => {
      await call('PUT', `${P}/${name}`, { properties: { policyId: `${V}/replicationPolicies/p`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', targetAzureNetworkId: 'vnet', disks: [{ diskId: 'os' }] } } });
      const image = randomBytes(diskBytes);
      const disk = { vault: vaultSegmentOf(VAULT_KEY), item: name, disk: 'os' };
      const log = buildHrl({ vaultId: disk.vault, protectedItemId: name, diskId: 'os', sequence: 1n, epoch: 1n, virtualSize: diskBytes, cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: digestOfBuffer(image) },
        [{ offset: 0, payload: image }]);
      // Stamped with the item's protection id, as the agent does (else the merge quarantines it).
      const protectionid = (await locate(disk))?.item.properties.providerSpecificDetails.protectionId;
      await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(disk, 1n)).uploadData(log, protectionid ? { metadata: { protectionid } } : {});
      await mergeDisk(deps, disk);
    };
    const queue = [...names];
    await Promise.all(Array.from({ length: 8 }, async () => { for (let n = queue.shift(); n; n = queue.shift()) await replicate(n); }));
    process.stdout.write(`replicated ${machines} machines (${diskBytes / 1048576} MiB disks) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const per = Math.ceil(machines / groups);
    await call('PUT', `${V}/replicationRecoveryPlans/big`, {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/site`, recoveryFabricId: 'Microsoft Azure',
        groups: Array.from({ length: groups }, (_, g) => ({ groupType: 'Boot', replicationProtectedItems: names.slice(g * per, (g + 1) * per).map((n) => ({ id: `${P}/${n}` })) })),
      },
    });

    // A GET that fails (the emulators drop a connection under load) is counted and timed, not fatal.
    let failedGets = 0;
    const timed = async (path: string, into: number[], sizes: number[]) => {
      const g0 = performance.now();
      try {
        const r = await call('GET', path);
        sizes.push(JSON.stringify(r.body).length);
        return r.body;
      } catch (err) {
        failedGets += 1;
        process.stderr.write(`GET failed: ${(err as Error).message.slice(0, 300)}\n`);
        return undefined;
      } finally {
        into.push(performance.now() - g0);
      }
    };
    const jobGets: number[] = [];
    const planGets: number[] = [];
    const jobSizes: number[] = [];
    const planSizes: number[] = [];
    counter.reset();
    const started = Date.now();
    const res = await call('POST', `${V}/replicationRecoveryPlans/big/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'LatestProcessed' }] } });
    const job = new URL(res.headers.get('location')!).pathname.split('/').pop()!;
    let body: any;
    let done = false;
    // A reader of the plan alongside the job poller: both GETs must stay fast while machines run.
    const planReader = (async () => {
      while (!done) {
        await timed(`${V}/replicationRecoveryPlans/big`, planGets, planSizes);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    for (;;) {
      const got = await timed(`${V}/replicationJobs/${job}`, jobGets, jobSizes);
      if (!got) { await new Promise((r) => setTimeout(r, 250)); continue; }
      body = got;
      const st = body.properties.state;
      if (st === 'Failed' || st === 'Cancelled') throw new Error(`job ${st}: ${JSON.stringify(body.properties.errors)}`);
      if (st === 'Suspended' && body.properties.stateDescription === 'WaitingForStopTestFailover') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const total = (Date.now() - started) / 1000;
    const ops = counter.snapshot();
    done = true;
    await planReader;
    // A job of more than 100 machines answers the first ones inline; the rest page through its tasks.
    let machineTasks = (body.properties.tasks as any[]).flatMap((t) => t.groupTaskCustomDetails?.childTasks ?? []);
    if (body.properties.taskSummary) {
      machineTasks = [];
      for (let next: string | undefined = `http://127.0.0.1:${port}${V}/replicationJobs/${job}/tasks?api-version=2023-08-01&$top=1000`; next;) {
        const page = await (await fetch(next, { headers: { authorization: `Bearer ${token}` } })).json() as { value: any[]; nextLink?: string };
        machineTasks.push(...page.value);
        next = page.nextLink;
      }
    }
    const machineSeconds = machineTasks.map((t) => (Date.parse(t.endTime) - Date.parse(t.startTime)) / 1000);

    // The same copies alone, one after another: what the failover cannot go below if it copied serially.
    const scratch = blobs.getContainerClient('bench-copies');
    await scratch.createIfNotExists();
    const copySeconds: number[] = [];
    for (const name of names) {
      const c0 = Date.now();
      await materializeVerifiedDisk(deps, { vault: vaultSegmentOf(VAULT_KEY), item: name, disk: 'os' }, scratch.getPageBlobClient(`${name}.vhd`), { point: { kind: 'latestProcessed' } });
      copySeconds.push((Date.now() - c0) / 1000);
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const meanMachine = sum(machineSeconds) / machineSeconds.length;
    const meanCopy = sum(copySeconds) / copySeconds.length;
    const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
    const perMachine = (n: number) => (n / machines).toFixed(1);
    process.stdout.write([
      `test failover of ${machines} machines in ${groups} groups: ${total.toFixed(1)} s until WaitingForStopTestFailover`,
      `machine task (choose point, copy, create, start, check, job updates): mean ${meanMachine.toFixed(2)} s, max ${Math.max(...machineSeconds).toFixed(2)} s`,
      `disk copy alone (materialise + verify): mean ${meanCopy.toFixed(3)} s, sum ${sum(copySeconds).toFixed(1)} s`,
      `orchestration overhead per machine (machine task - its copy): ${(meanMachine - meanCopy).toFixed(2)} s`,
      `overhead per machine ((total - sum of copy times) / machines): ${((total - sum(copySeconds)) / machines * 1000).toFixed(0)} ms (goal <= 60 ms)`,
      `total time / sum of disk copy times: ${(total / sum(copySeconds)).toFixed(2)}`,
      `Cosmos DB operations during the failover: ${ops.total} (${perMachine(ops.total)} per machine: reads ${perMachine(ops.read)}, writes ${perMachine(ops.write)}, queries ${perMachine(ops.query)}, other ${perMachine(ops.other)}; besides, query plans asked of the gateway ${perMachine(ops.plan)}); 412/409 answers ${ops.conflicts} (${perMachine(ops.conflicts)} per machine)`,
      `GET job while running: ${jobGets.length} calls, p99 ${p99(jobGets).toFixed(0)} ms, max ${Math.max(...jobGets).toFixed(0)} ms, largest body ${Math.max(...jobSizes)} bytes (goal p99 < 1000 ms)`,
      `GET plan while running: ${planGets.length} calls, p99 ${p99(planGets).toFixed(0)} ms, max ${Math.max(...planGets).toFixed(0)} ms, largest body ${Math.max(...planSizes)} bytes`,
      `GETs that failed (counted in the times above): ${failedGets}`,
      '',
    ].join('\n'));
  } finally {
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    await counter.stop();
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
