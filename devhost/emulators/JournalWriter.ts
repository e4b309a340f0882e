import { FileHandle, open } from 'node:fs/promises';
import { ServiceError } from '../../shared/errors';
import { frameRecord } from './journalFraming';

interface Waiter {
  seq: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Appends framed records to one file with group commit: records appended while an fsync runs
 * go to disk together in the next write + fdatasync. `append` is synchronous so the journal
 * order is exactly the order in which the in-memory state changed.
 */
export class JournalWriter {
  private pending: string[] = [];
  private appended = 0;
  private durable = 0;
  private waiters: Waiter[] = [];
  private flushing = false;
  private failure?: Error;
  /** Number of fdatasync calls made, for the benchmark. */
  syncCount = 0;

  private constructor(private readonly fh: FileHandle, readonly path: string) {}

  /** Opens (creating if needed) a journal file for appending. */
  static async open(path: string): Promise<JournalWriter> {
    return new JournalWriter(await open(path, 'a'), path);
  }

  /** Sequence number of the last record appended (durable or not). */
  get appendedSeq(): number {
    return this.appended;
  }

  /** Queues one record; returns its sequence number. */
  append(record: unknown): number {
    if (this.failure) throw this.failure;
    this.pending.push(frameRecord(record));
    return ++this.appended;
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

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const upTo = this.appended;
        const batch = Buffer.from(this.pending.join(''), 'utf8');
        this.pending = [];
        let written = 0;
        while (written < batch.length) {
          const { bytesWritten } = await this.fh.write(batch, written, batch.length - written);
          written += bytesWritten;
        }
        await this.fh.datasync();
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

  /** Flushes what is pending, then closes the file. */
  async close(): Promise<void> {
    if (!this.failure && this.appended > this.durable) await this.waitDurable();
    await this.fh.close();
  }
}
