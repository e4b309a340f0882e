import { FileHandle, open } from 'node:fs/promises';
import { ServiceError } from '../../shared/errors';
import { frameRecord } from './journalFraming';

interface Waiter {
  seq: number;
  resolve(): void;
  reject(err: Error): void;
}

/** A switch to another file once every record up to `afterSeq` is in the current one. */
interface Rotation {
  afterSeq: number;
  /** Resolves when the new file may take records (its snapshot is in place), with the file. */
  next: Promise<{ fh: FileHandle; path: string }>;
}

/**
 * Appends framed records to a file with group commit: records appended while an fsync runs go
 * to disk together in the next write + fdatasync. `append` is synchronous so the journal order
 * is exactly the order in which the in-memory state changed.
 */
export class JournalWriter {
  private pending: { seq: number; text: string }[] = [];
  private appended = 0;
  private durable = 0;
  private waiters: Waiter[] = [];
  private flushing = false;
  private failure?: Error;
  private rotation?: Rotation;
  /** Bytes written to the current file. */
  bytes = 0;
  /** Number of fdatasync calls made, for the benchmark. */
  syncCount = 0;

  private constructor(private fh: FileHandle, public path: string) {}

  /** Opens (creating if needed) a journal file for appending. */
  static async open(path: string): Promise<JournalWriter> {
    const fh = await open(path, 'a');
    const writer = new JournalWriter(fh, path);
    writer.bytes = (await fh.stat()).size;
    return writer;
  }

  /** Sequence number of the last record appended (durable or not). */
  get appendedSeq(): number {
    return this.appended;
  }

  /** True while a switch to a new file is pending. */
  get rotating(): boolean {
    return this.rotation !== undefined;
  }

  /** Queues one record; returns its sequence number. */
  append(record: unknown): number {
    if (this.failure) throw this.failure;
    this.appended += 1;
    this.pending.push({ seq: this.appended, text: frameRecord(record) });
    return this.appended;
  }

  /**
   * Records up to `afterSeq` stay in this file; later ones wait for `next` and go to the file it
   * yields. If `next` fails, nothing changes and later records stay in this file too.
   */
  rotate(afterSeq: number, next: Rotation['next']): void {
    this.rotation = { afterSeq, next };
    next.catch(() => undefined);
  }

  /** Resolves once every record up to `seq` is on disk; rejects if the journal failed. */
  waitDurable(seq: number = this.appended): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.durable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  private async switchFile(rotation: Rotation): Promise<void> {
    let next: { fh: FileHandle; path: string };
    try {
      next = await rotation.next;
    } catch {
      this.rotation = undefined;
      return; // compaction failed; keep appending here, the old generation stays valid
    }
    // Cleared only now: `rotating` must stay true until the switch, or a second compaction
    // of the same generation could start.
    this.rotation = undefined;
    await this.fh.close();
    this.fh = next.fh;
    this.path = next.path;
    this.bytes = 0;
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        if (this.rotation && this.durable >= this.rotation.afterSeq) {
          await this.switchFile(this.rotation);
          continue;
        }
        const limit = this.rotation?.afterSeq ?? Infinity;
        let count = 0;
        while (count < this.pending.length && this.pending[count].seq <= limit) count += 1;
        const taken = this.pending.splice(0, count);
        const upTo = taken[taken.length - 1].seq;
        const batch = Buffer.from(taken.map((p) => p.text).join(''), 'utf8');
        let written = 0;
        while (written < batch.length) {
          const { bytesWritten } = await this.fh.write(batch, written, batch.length - written);
          written += bytesWritten;
        }
        await this.fh.datasync();
        this.bytes += batch.length;
        this.syncCount += 1;
        this.durable = upTo;
        const still: Waiter[] = [];
        for (const w of this.waiters) (w.seq <= upTo ? w.resolve() : still.push(w));
        this.waiters = still;
      }
    } catch (err) {
      // Memory is now ahead of the disk: refuse everything from here on (fail-stop).
      this.failure = new ServiceError('JournalWriteFailed',
        `Cosmos journal ${this.path} could not be written; restart the emulators after fixing the disk`,
        { cause: err });
      for (const w of this.waiters) w.reject(this.failure);
      this.waiters = [];
    } finally {
      this.flushing = false;
    }
  }

  /** Flushes what is pending (finishing a rotation), then closes the file. */
  async close(): Promise<void> {
    if (!this.failure && this.appended > this.durable) await this.waitDurable().catch(() => undefined);
    if (this.rotation) await this.switchFile(this.rotation);
    await this.fh.close();
  }
}
