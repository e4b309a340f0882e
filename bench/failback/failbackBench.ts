/**
 * A failback round of a disk the recovered machine changed in `changedPercent` % of its blocks,
 * measured in one run (absolute rates on a shared 2-core machine swing; ratios hold).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/failback/failbackBench.js [diskMiB=1024] [changedPercent=1]
 *
 * The real agent (protect, then serveFailback: digests, journal, apply, verify) and the real
 * service half (prepareFailbackDelta: digest comparison, delta log) against an in-memory
 * Azurite; the API is a stand-in answering registration in memory. The source disk is sparse
 * (its first eighth written); the recovered disk is the source with `changedPercent` % of all
 * its blocks overwritten at random, as a fixed-VHD-sized page blob.
 *
 * Prints: bytes shipped ÷ bytes changed (goal ≤ 1.1), failback time ÷ the time to copy the
 * changed bytes through the same storage (upload, download, write and fsync), and whether
 * qemu-img found the source equal to the recovered disk afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { AgentStateStore, protectItem, ReplicationAgent, serveFailback } from '../../shared/agent';
import { FAILBACK_CONTAINER, failbackLogBlob } from '../../shared/contracts/FailbackTransfers';
import { azureVirtualSize } from '../../shared/disk';
import { prepareFailbackDelta, REPLICA_CONTAINERS, requestFailbackRound } from '../../shared/replication';
import { memoryReplicationDeps, seconds, standInAgentApi } from '../merge/benchStandIns';
import { startBenchAzurite } from '../merge/benchAzurite';

const DISK_MIB = Number(process.argv[2] ?? 1024);
const CHANGED_PERCENT = Number(process.argv[3] ?? 1);
const MIB = 1024 * 1024;
const BLOCK = 4096;

/** A merge pump is not needed: protect without waiting, the failback never reads the replica. */
async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-failback-'));
  const azurite = await startBenchAzurite();
  try {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
    const deps = memoryReplicationDeps(blobs);
    const diskBytes = DISK_MIB * MIB;

    // The source: sparse, its first eighth written.
    const source = join(dir, 'disk.raw');
    let fd = openSync(source, 'w');
    writeSync(fd, randomBytes(diskBytes / 8), 0, diskBytes / 8, 0);
    writeSync(fd, Buffer.alloc(1), 0, 1, diskBytes - 1);
    closeSync(fd);
    const stateDir = join(dir, 'state');
    const { state } = await protectItem(standInAgentApi(), blobs, { vault: 'vault', item: 'vm1', diskPaths: [source], policy: 'p', stateDir, container: 'bench', noWait: true });
    const item = { vault: state.vaultSegment, item: state.item };

    // The recovered disk: the source with CHANGED_PERCENT % of its blocks rewritten by the workload.
    const blocks = diskBytes / BLOCK;
    const changed = new Set<number>();
    while (changed.size < Math.round((blocks * CHANGED_PERCENT) / 100)) changed.add(randomInt(blocks));
    const recovered = blobs.getContainerClient('fabric-disks');
    await recovered.createIfNotExists();
    const blob = recovered.getPageBlobClient('bench/vm1/disk0.vhd');
    await blob.create(azureVirtualSize(diskBytes) + 512);
    fd = openSync(source, 'r');
    const piece = Buffer.alloc(4 * MIB);
    for (let at = 0; at < diskBytes; at += piece.length) {
      readSync(fd, piece, 0, piece.length, at);
      let dirty = piece.some((b) => b !== 0);
      for (let b = at / BLOCK; b < (at + piece.length) / BLOCK; b++) {
        if (changed.has(b)) {
          randomBytes(BLOCK).copy(piece, b * BLOCK - at);
          dirty = true;
        }
      }
      if (dirty) await blob.uploadPages(piece, at, piece.length);
    }
    closeSync(fd);
    const changedBytes = changed.size * BLOCK;

    // The round: agent digests, service delta, agent apply.
    await requestFailbackRound(deps, item, { jobId: 'bench', round: 1, phase: 'sync', requestedAt: new Date().toISOString(), disks: [{ diskId: 'disk0', dataBytes: diskBytes }], encrypted: false });
    const agent = await ReplicationAgent.open(new AgentStateStore(stateDir, 'vault', 'vm1'), blobs);
    const round = await seconds(async () => {
      const digests = await seconds(() => serveFailback(agent, blobs));
      const service = await seconds(() => prepareFailbackDelta(deps, item, 1, [{ diskId: 'disk0', blob, dataBytes: diskBytes }]));
      const apply = await seconds(() => serveFailback(agent, blobs));
      return { digests: digests.s, service: service.s, apply: apply.s, delta: service.value };
    });
    await agent.close();
    const shipped = (await blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackLogBlob(item, 'bench', 1, 'disk0')).getProperties()).contentLength!;

    // The plain copy of the changed bytes through the same storage: upload, download, write, fsync.
    const plain = await seconds(async () => {
      const data = randomBytes(changedBytes);
      const b = blobs.getContainerClient(FAILBACK_CONTAINER).getBlockBlobClient('bench/plain-copy');
      await b.uploadData(data);
      const back = await b.downloadToBuffer();
      const out = openSync(join(dir, 'plain.bin'), 'w');
      writeSync(out, back);
      fsyncSync(out);
      closeSync(out);
    });

    const recoveredFile = join(dir, 'recovered.vhd');
    await blob.downloadToFile(recoveredFile);
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', source, recoveredFile], { encoding: 'utf8' });
    console.log(`disk ${DISK_MIB} MiB (sparse, 1/8 written); the recovered disk changed in ${changed.size} of ${blocks} blocks (${CHANGED_PERCENT} %)`);
    console.log(`delta: ${JSON.stringify(round.value.delta)}`);
    console.log(`bytes shipped / bytes changed:           ${(shipped / changedBytes).toFixed(4)} (goal <= 1.1)`);
    console.log(`failback time / plain copy time:         ${(round.s / plain.s).toFixed(2)} (agent digests ${(round.value.digests / plain.s).toFixed(2)}, service compare + log ${(round.value.service / plain.s).toFixed(2)}, agent journal + apply + verify ${(round.value.apply / plain.s).toFixed(2)})`);
    console.log(`qemu-img compare source vs recovered: ${(cmp.stdout + cmp.stderr).trim()} (exit ${cmp.status})`);
    if (cmp.status !== 0 || shipped > 1.1 * changedBytes) process.exitCode = 1;
  } finally {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
