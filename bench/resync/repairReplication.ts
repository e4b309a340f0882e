/**
 * Repair of a replica that diverged in 1 % of its blocks, against a full seed of the same disk,
 * measured in one run (absolute rates on a shared 2-core machine swing; ratios hold).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/resync/repairReplication.js [diskMiB=1024] [divergedPercent=1]
 *
 * The real agent (protect = full seed, then `syncItem` serving a repair request) and the real
 * merge engine against an in-memory Azurite; the API is replaced by a stand-in that runs the
 * service's half of `repairReplication` (new epoch, replica digests, request) in process, and
 * Cosmos DB by in-memory recorder and health. The disk is random data (every block stored).
 * The replica is then damaged in `divergedPercent` % of its 4 KiB blocks at random (under its
 * lease, as storage would), repaired, materialised and judged by `qemu-img compare`.
 *
 * Prints: bytes shipped ÷ disk size (goal ≤ 2 %), the same with the digests the agent
 * downloaded, repair time ÷ full seed time, and whether qemu-img found the result identical.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { AgentApi, protectItem, syncItem } from '../../shared/agent';
import { REPAIR_DIGEST_BYTES } from '../../shared/contracts/replicationRepair';
import {
  DiskRef, listPendingLogs, materializeToPoint, mergeDisk, pendingContainer, REPLICA_CONTAINERS,
  replicaClient, ReplicationDeps, startReplicationRepair,
} from '../../shared/replication';
import { startBenchAzurite } from '../merge/benchAzurite';
import { memoryReplicationDeps, seconds, standInAgentApi } from '../merge/benchStandIns';

const DISK_MIB = Number(process.argv[2] ?? 1024);
const DIVERGED_PERCENT = Number(process.argv[3] ?? 1);
const MIB = 1024 * 1024;
const BLOCK = 4096;
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** The API as the agent sees it: registration answered in memory, repairReplication run in process. */
function standInApi(deps: ReplicationDeps, vaultSegment: string): AgentApi {
  return standInAgentApi(async <T>(path: string) => {
    const item = path.split('/').slice(-2)[0];
    return (await startReplicationRepair(deps, { vault: vaultSegment, item, diskIds: ['disk0'] }, 'bench')) as T;
  });
}

/** Merges whatever is pending, every 50 ms, as the blob trigger would. */
function startPump(deps: ReplicationDeps, disk: DiskRef): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      if ((await listPendingLogs(pendingContainer(deps), disk)).length > 0) await mergeDisk(deps, disk).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-resync-'));
  const azurite = await startBenchAzurite();
  try {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
    const deps = memoryReplicationDeps(blobs);
    const vaultSegment = `${SUBSCRIPTION}~bench~vault`;
    const disk: DiskRef = { vault: vaultSegment, item: 'vm1', disk: 'disk0' };
    const api = standInApi(deps, vaultSegment);

    const source = join(dir, 'disk.raw');
    const fd = openSync(source, 'w');
    for (let at = 0; at < DISK_MIB * MIB; at += 64 * MIB) writeSync(fd, randomBytes(Math.min(64 * MIB, DISK_MIB * MIB - at)), 0, Math.min(64 * MIB, DISK_MIB * MIB - at), at);
    closeSync(fd);
    const diskBytes = DISK_MIB * MIB;

    const pump = startPump(deps, disk);
    const stateDir = join(dir, 'state');
    const merge = { pollMs: 100, timeoutMs: 600_000 };
    const seed = await seconds(() => protectItem(api, blobs, { vault: 'vault', item: 'vm1', diskPaths: [source], policy: 'p', stateDir, container: 'bench', merge }));

    // The replica diverges in DIVERGED_PERCENT % of its blocks (bit rot, a lost write), under its lease.
    const blocks = diskBytes / BLOCK;
    const diverged = new Set<number>();
    while (diverged.size < Math.round((blocks * DIVERGED_PERCENT) / 100)) diverged.add(randomInt(blocks));
    const replica = replicaClient(deps, disk);
    const lease = replica.getBlobLeaseClient();
    // The merge that applied the seed's last log may still hold the lease for a moment.
    for (let tries = 0; ; tries++) {
      try {
        await lease.acquireLease(60);
        break;
      } catch (err) {
        if (tries > 300) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const b of diverged) await replica.uploadPages(randomBytes(BLOCK), b * BLOCK, BLOCK, { conditions: { leaseId: lease.leaseId } });
    await lease.releaseLease();

    // The repair: the service's half (new epoch, digests, request), then the agent's (ship the difference, merged).
    const repair = await seconds(async () => {
      const service = await seconds(() => api.post!('…/replicationProtectedItems/vm1/repairReplication', {}));
      const agent = await seconds(() => syncItem(blobs, { vault: 'vault', item: 'vm1', stateDir, merge }));
      return { service: service.s, agent: agent.s, report: agent.value };
    });
    await pump.stop();

    const target = blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient('bench/materialized.vhd');
    const m = await materializeToPoint(deps, disk, target);
    const out = join(dir, 'replica.vhd');
    await target.downloadToFile(out);
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', source, out], { encoding: 'utf8' });

    const report = repair.value.report.disks[0];
    const shipped = repair.value.report.bytesUploaded;
    const digests = blocks * REPAIR_DIGEST_BYTES;
    const pct = (x: number) => `${((100 * x) / diskBytes).toFixed(3)} %`;
    console.log(`disk ${DISK_MIB} MiB of random data; replica diverged in ${diverged.size} of ${blocks} blocks (${DIVERGED_PERCENT} %)`);
    console.log(`repair found ${report.divergedBlocks} differing blocks, shipped ${report.changedBlocks} blocks in ${report.sequence} log(s) of epoch ${repair.value.report.repairEpoch}`);
    console.log(`bytes shipped / disk size:                     ${(shipped / diskBytes).toFixed(5)} (${pct(shipped)}; goal <= 2 %)`);
    console.log(`(shipped + digests downloaded) / disk size:    ${((shipped + digests) / diskBytes).toFixed(5)} (${pct(shipped + digests)})`);
    console.log(`full seed shipped / disk size:                 ${(seed.value.bytesUploaded / diskBytes).toFixed(5)}`);
    console.log(`repair time / full seed time:                  ${(repair.s / seed.s).toFixed(3)} (service half ${(repair.value.service / seed.s).toFixed(3)}, agent + merge ${(repair.value.agent / seed.s).toFixed(3)})`);
    console.log(`materialised digest verified: ${m.verified}; qemu-img compare: ${(cmp.stdout + cmp.stderr).trim()} (exit ${cmp.status})`);
    if (cmp.status !== 0 || shipped > 0.02 * diskBytes || report.divergedBlocks !== diverged.size) process.exitCode = 1;
  } finally {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
