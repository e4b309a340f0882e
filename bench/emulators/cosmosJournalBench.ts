/**
 * Measures what durability costs the Cosmos emulator, in one run so the numbers compare:
 *  1. acknowledged upserts/s with the fsynced journal ÷ without (memory only), at a few
 *     concurrency levels, and how many records each fsync carried (group commit);
 *  2. restart time for N documents: replaying the journal, then replaying the snapshot.
 * Run: npx tsc -p tsconfig.json && node dist/bench/emulators/cosmosJournalBench.js [N]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, Container } from '@azure/cosmos';
import { CosmosRecoveryStats } from '../../devhost/emulators/CosmosDataDir';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators/EmulatorSettings';
import { CosmosServer, startCosmosServer } from '../../devhost/emulators/CosmosServer';

async function open(dataDir?: string): Promise<{ server: CosmosServer; client: CosmosClient; container: Container }> {
  const server = await startCosmosServer({ host: '127.0.0.1', port: 0, dataDir });
  const client = new CosmosClient({ endpoint: server.endpoint, key: COSMOS_EMULATOR_KEY });
  const { database } = await client.databases.createIfNotExists({ id: 'bench' });
  const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/pk'] } });
  return { server, client, container };
}

/** Upserts `count` documents with `concurrency` in flight; returns acknowledged upserts/s. */
async function upserts(container: Container, count: number, concurrency: number, prefix: string): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      await container.items.upsert({ id: `${prefix}-${i}`, pk: `p${i % 16}`, n: i, body: 'x'.repeat(200) });
    }
  }));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function overhead(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cosmos-bench-'));
  try {
    const mem = await open();
    const dur = await open(join(dir, 'cosmos'));
    console.log('concurrency  memory ups/s  journal ups/s  ratio  records/fsync');
    for (const concurrency of [1, 16, 64]) {
      const count = concurrency === 1 ? 500 : 3000;
      const syncsBefore = dur.server.journal!.syncCount;
      const seqBefore = dur.server.journal!.appendedSeq;
      // Alternate and keep each side's better run, to damp noise from the other helpers.
      const m = Math.max(await upserts(mem.container, count, concurrency, `m${concurrency}a`),
        await upserts(mem.container, count, concurrency, `m${concurrency}b`));
      const d1 = await upserts(dur.container, count, concurrency, `d${concurrency}a`);
      const m2 = await upserts(mem.container, count, concurrency, `m${concurrency}c`);
      const d2 = await upserts(dur.container, count, concurrency, `d${concurrency}b`);
      const best = Math.max(m, m2);
      const d = Math.max(d1, d2);
      const perSync = (dur.server.journal!.appendedSeq - seqBefore) / (dur.server.journal!.syncCount - syncsBefore);
      console.log(`${String(concurrency).padStart(11)}  ${best.toFixed(0).padStart(12)}  ${d.toFixed(0).padStart(13)}`
        + `  ${(d / best).toFixed(2).padStart(5)}  ${perSync.toFixed(1).padStart(13)}`);
    }
    for (const s of [mem, dur]) {
      s.client.dispose();
      await s.server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts (recovering `data`) and stops again; returns what recovery did and the whole start time. */
async function timedStart(data: string): Promise<{ ms: number; recovery: CosmosRecoveryStats }> {
  const started = Date.now();
  const server = await startCosmosServer({ host: '127.0.0.1', port: 0, dataDir: data });
  const ms = Date.now() - started;
  await server.stop();
  return { ms, recovery: server.recovery! };
}

async function replay(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cosmos-bench-'));
  const data = join(dir, 'cosmos');
  try {
    const first = await open(data);
    await upserts(first.container, n, 64, 'doc');
    first.client.dispose();
    await first.server.stop();
    const journalBytes = statSync(join(data, 'journal-1.jsonl')).size;
    const fromJournal = await timedStart(data);
    const snapshotBytes = statSync(join(data, 'snapshot-2.jsonl')).size;
    const fromSnapshot = await timedStart(data);
    const r1 = fromJournal.recovery;
    const r2 = fromSnapshot.recovery;
    console.log(`replay of ${n} documents:`);
    console.log(`  from journal  (${(journalBytes / 1e6).toFixed(1)} MB, ${r1.journalRecords} records): replay ${r1.replayMs} ms,`
      + ` compaction ${r1.compactMs} ms, start total ${fromJournal.ms} ms`);
    console.log(`  from snapshot (${(snapshotBytes / 1e6).toFixed(1)} MB, ${r2.snapshotRecords} records): replay ${r2.replayMs} ms,`
      + ` compaction ${r2.compactMs} ms, start total ${fromSnapshot.ms} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20000);
  await overhead();
  await replay(n);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
