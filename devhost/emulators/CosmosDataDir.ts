import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptFormatError } from '../../shared/errors';
import { CosmosAccountJournal } from './CosmosAccountJournal';
import { frameRecord, parseFramedRecords } from './journalFraming';
import { JournalWriter } from './JournalWriter';

/** What a start found on disk and how long rebuilding took. */
export interface CosmosRecoveryStats {
  generation: number;
  snapshotRecords: number;
  journalRecords: number;
  /** True when the journal ended in a write cut short by a crash (never acknowledged). */
  tornTail: boolean;
  replayMs: number;
  compactMs: number;
}

const SNAPSHOT = /^snapshot-(\d+)\.jsonl$/;
const JOURNAL = /^journal-(\d+)\.jsonl$/;
const snapshotName = (gen: number) => `snapshot-${gen}.jsonl`;
const journalName = (gen: number) => `journal-${gen}.jsonl`;

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The Cosmos data directory: `snapshot-<gen>.jsonl` (the full state when generation <gen>
 * began, written to a temp file, fsynced and renamed into place) and `journal-<gen>.jsonl`
 * (every change since). The highest snapshot wins; older files are leftovers of an
 * interrupted compaction and are removed.
 */
export class CosmosDataDir {
  constructor(readonly dir: string) {}

  /**
   * Rebuilds the account from snapshot + journal, then compacts: writes the state as the next
   * generation's snapshot and starts an empty journal for it. Returns the writer to append to.
   */
  async recover(journal: CosmosAccountJournal): Promise<{ writer: JournalWriter; stats: CosmosRecoveryStats }> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    for (const n of names.filter((x) => x.endsWith('.tmp'))) await rm(join(this.dir, n), { force: true });
    const gens = names.map((n) => SNAPSHOT.exec(n)).filter((m) => m).map((m) => Number(m![1]));
    const gen = gens.length ? Math.max(...gens) : 0;
    const orphan = names.find((n) => Number(JOURNAL.exec(n)?.[1] ?? -1) > gen);
    if (orphan) {
      throw new CorruptFormatError({ structure: `cosmos data directory ${this.dir}`, field: orphan, offset: 0 },
        `its snapshot ${orphan.replace('journal', 'snapshot')} is missing, so its records cannot be replayed; `
        + 'restore the snapshot or move the journal away');
    }

    const started = Date.now();
    let snapshotRecords = 0;
    const snap = await readIfExists(join(this.dir, snapshotName(gen)));
    if (snap) {
      const parsed = parseFramedRecords(snap, snapshotName(gen));
      if (parsed.tornTail) {
        throw new CorruptFormatError(
          { structure: `cosmos snapshot ${snapshotName(gen)}`, field: 'record checksum', offset: parsed.validBytes },
          'a snapshot is written whole before it is renamed into place, so this is damage; restore from a backup');
      }
      parsed.records.forEach((r, i) => journal.apply(r, { file: snapshotName(gen), index: i }));
      snapshotRecords = parsed.records.length;
    }
    const jbuf = await readIfExists(join(this.dir, journalName(gen)));
    const jparsed = jbuf ? parseFramedRecords(jbuf, journalName(gen)) : { records: [], tornTail: false };
    jparsed.records.forEach((r, i) => journal.apply(r, { file: journalName(gen), index: i }));
    const replayMs = Date.now() - started;

    const compactStarted = Date.now();
    const next = gen + 1;
    const tmp = join(this.dir, `${snapshotName(next)}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      const chunk: string[] = [];
      for (const r of journal.snapshotRecords()) {
        chunk.push(frameRecord(r));
        if (chunk.length >= 1000) await fh.write(chunk.splice(0).join(''));
      }
      await fh.write(chunk.join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, snapshotName(next)));
    const writer = await JournalWriter.open(join(this.dir, journalName(next)));
    await syncDir(this.dir);
    for (const n of names) {
      const m = SNAPSHOT.exec(n) ?? JOURNAL.exec(n);
      if (m && Number(m[1]) < next) await rm(join(this.dir, n), { force: true });
    }
    const stats: CosmosRecoveryStats = {
      generation: next, snapshotRecords, journalRecords: jparsed.records.length,
      tornTail: jparsed.tornTail, replayMs, compactMs: Date.now() - compactStarted,
    };
    return { writer, stats };
  }
}
