/**
 * Merge throughput ÷ raw Put Page throughput of the same bytes to the same Azurite, measured in
 * one run (absolute rates on a shared 2-core machine swing up to 3x; ratios hold).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/merge/mergeThroughput.js [logs] [MiBPerLog]
 *
 * Two shapes: logs of 64 KiB scattered writes (no two adjacent, so nothing coalesces) and of
 * 4 MiB sequential writes. "Raw" sends each write as one Put Page with the merge's concurrency
 * (and, for reference, one at a time). "Merge" is mergeDisk end to end: list, download, parse +
 * CRC, Put Pages, journal copy, conditional advance, delete. Recovery points are left out (the
 * policy cuts one at the first log only) and so is Cosmos DB: recorder and health are in memory.
 * Goal: merge >= 0.9 of raw for 4 MiB writes. A merge must also read every log byte from the
 * same Azurite, so the run also times that download and reports merge ÷ (Put Page + download):
 * how much the engine adds beyond the I/O it cannot avoid.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { buildHrl } from '../../shared/hrl';
import {
  DiskRef, mergeDisk, pendingLogBlob, REPLICA_CONTAINERS, ReplicationDeps, DEFAULT_REPLICATION_TUNING,
} from '../../shared/replication';
import { startBenchAzurite } from './benchAzurite';
import { memoryReplicationDeps } from './benchStandIns';
import { median } from '../benchTiming';

const LOGS = Number(process.argv[2] ?? 8);
const MIB_PER_LOG = Number(process.argv[3] ?? 32);
const ROUNDS = 3;
const MIB = 1024 * 1024;

interface Shape {
  name: string;
  recordBytes: number;
  /** Disk offsets of one log's records, ascending. */
  offsets(log: number, count: number): number[];
  diskBytes: number;
}

const scatteredSlots = (count: number) => count * 2;
const SHAPES: Shape[] = [
  {
    name: '64 KiB scattered',
    recordBytes: 64 * 1024,
    // Every other 64 KiB slot of the log's own region: nothing is adjacent.
    offsets: (log, count) => Array.from({ length: count }, (_, i) => (log * scatteredSlots(count) + 2 * i) * 64 * 1024),
    diskBytes: LOGS * MIB_PER_LOG * 2 * MIB,
  },
  {
    name: '4 MiB sequential',
    recordBytes: 4 * MIB,
    offsets: (log, count) => Array.from({ length: count }, (_, i) => (log * count + i) * 4 * MIB),
    diskBytes: LOGS * MIB_PER_LOG * MIB,
  },
];

function memoryDeps(blobs: BlobServiceClient): ReplicationDeps {
  return memoryReplicationDeps(blobs, { crashPointIntervalMs: Number.MAX_SAFE_INTEGER });
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function run(): Promise<void> {
  const azurite = await startBenchAzurite();
  try {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
    const raw = blobs.getContainerClient('raw');
    await raw.createIfNotExists();
    const concurrency = DEFAULT_REPLICATION_TUNING.putConcurrency;
    console.log(`merge throughput vs raw Put Page, ${LOGS} logs x ${MIB_PER_LOG} MiB, concurrency ${concurrency}, median of ${ROUNDS}`);
    for (const shape of SHAPES) {
      const count = Math.floor((MIB_PER_LOG * MIB) / shape.recordBytes);
      const payload = randomBytes(shape.recordBytes);
      const bytes = LOGS * count * shape.recordBytes;
      const writes = Array.from({ length: LOGS }, (_, l) => shape.offsets(l, count));
      const rawTimes: number[] = [];
      const serialTimes: number[] = [];
      const mergeTimes: number[] = [];
      const getTimes: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const target = raw.getPageBlobClient(`raw-${round}.vhd`);
        await target.create(shape.diskBytes + 512);
        rawTimes.push(await seconds(() => pool(writes.flat(), concurrency, (o) => target.uploadPages(payload, o, payload.length))));
        serialTimes.push(await seconds(() => pool(writes.flat(), 1, (o) => target.uploadPages(payload, o, payload.length))));
        await target.delete();

        const disk: DiskRef = { vault: 'bench', item: `vm-${shape.recordBytes}-${round}`, disk: 'disk0' };
        for (let l = 0; l < LOGS; l++) {
          const log = buildHrl({
            vaultId: disk.vault, protectedItemId: disk.item, diskId: disk.disk, sequence: BigInt(l + 1), epoch: 1n,
            virtualSize: shape.diskBytes, cutTimeMs: Date.UTC(2026, 0, 1) + l * 30_000, consistency: 'crash', finalPlannedFailover: false,
            diskDigest: Buffer.alloc(32),
          }, writes[l].map((offset) => ({ offset, payload })));
          await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(disk, BigInt(l + 1))).uploadData(log);
        }
        // What the merge must read: the same logs, downloaded as the merge downloads them.
        getTimes.push(await seconds(async () => {
          for (let l = 0; l < LOGS; l++) await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(pendingLogBlob(disk, BigInt(l + 1))).downloadToBuffer(0, undefined, { blockSize: 8 * MIB, concurrency: 4 });
        }));
        let applied = 0;
        mergeTimes.push(await seconds(async () => {
          applied = (await mergeDisk(memoryDeps(blobs), disk)).applied.length;
        }));
        if (applied !== LOGS) throw new Error(`merge applied ${applied} of ${LOGS} logs`);
        await blobs.getContainerClient(REPLICA_CONTAINERS.replicas).deleteBlob(`${disk.vault}/${disk.item}/${disk.disk}.vhd`, { deleteSnapshots: 'include' });
        for await (const b of blobs.getContainerClient(REPLICA_CONTAINERS.journal).listBlobsFlat()) await blobs.getContainerClient(REPLICA_CONTAINERS.journal).deleteBlob(b.name);
      }
      const mbps = (t: number) => (bytes / MIB / t).toFixed(0);
      const r = median(rawTimes);
      const s = median(serialTimes);
      const m = median(mergeTimes);
      const g = median(getTimes);
      console.log(`${shape.name.padEnd(18)} raw Put Page ${mbps(r)} MiB/s (serial ${mbps(s)}), log download ${mbps(g)} MiB/s, merge ${mbps(m)} MiB/s`);
      console.log(`${''.padEnd(18)} merge/raw = ${(r / m).toFixed(2)} (vs serial raw ${(s / m).toFixed(2)}); merge/(raw Put Page + log download, back to back) = ${((r + g) / m).toFixed(2)}`);
    }
  } finally {
    await azurite.stop();
  }
}

run().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
