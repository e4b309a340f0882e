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
  /** The generation being appended to. */
  generation = 0;
  private compacting = false;

  constructor(readonly dir: string) {}

  /**
   * Makes `next` the current generation: its snapshot (already framed lines) is written to a
   * temp file, fsynced and renamed into place, an empty journal is created, the directory is
   * fsynced, and older generations are removed. Returns the new journal's path.
   */
  private async installGeneration(next: number, lines: string[]): Promise<string> {
    const tmp = join(this.dir, `${snapshotName(next)}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      for (let i = 0; i < lines.length; i += 1000) await fh.write(lines.slice(i, i + 1000).join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, snapshotName(next)));
    const journalPath = join(this.dir, journalName(next));
    await (await open(journalPath, 'a')).close();
    await syncDir(this.dir);
    for (const n of await readdir(this.dir)) {
      const m = SNAPSHOT.exec(n) ?? JOURNAL.exec(n);
      if (m && Number(m[1]) < next) await rm(join(this.dir, n), { force: true });
    }
    this.generation = next;
    return journalPath;
  }

  /**
   * Compacts while serving: takes the snapshot now (a consistent cut, since changes are
   * synchronous) and tells the writer to put later records in the next generation's journal
   * once that generation's snapshot is in place. Until then those records are not durable,
   * so their responses wait; if compaction fails, they go to the current journal instead.
   */
  compactLive(journal: CosmosAccountJournal, writer: JournalWriter, log: (line: string) => void): void {
    if (writer.rotating || this.compacting) return;
    this.compacting = true;
    const started = Date.now();
    const lines = journal.snapshotRecords().map(frameRecord);
    const cut = writer.appendedSeq;
    const next = this.generation + 1;
    const ready = this.installGeneration(next, lines).then(async (path) => {
      log(`cosmos: compacted ${lines.length} records into ${snapshotName(next)} in ${Date.now() - started} ms`);
      return { fh: await open(path, 'a'), path };
    });
    ready.catch((err: Error) => log(`cosmos: compaction failed, journal keeps growing: ${err.message}`))
      .finally(() => (this.compacting = false));
    writer.rotate(cut, ready);
  }

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
    const journalPath = await this.installGeneration(gen + 1, journal.snapshotRecords().map(frameRecord));
    const writer = await JournalWriter.open(journalPath);
    const stats: CosmosRecoveryStats = {
      generation: this.generation, snapshotRecords, journalRecords: jparsed.records.length,
      tornTail: jparsed.tornTail, replayMs, compactMs: Date.now() - compactStarted,
    };
    return { writer, stats };
  }
}
