import type { PageBlobClient, PageBlobRequestConditions, PageBlobUploadPagesOptions } from '@azure/storage-blob';
import { PageAlignmentError } from './PageAlignmentError';

const PAGE = 512;
/** Largest Put Page body Azure accepts. Azurite does not enforce it, so we do. */
export const MAX_PUT_PAGE_BYTES = 4 * 1024 * 1024;

export interface PageBlobWriterOptions {
  /** Put Page calls in flight at once; default 4. */
  maxInFlight?: number;
  /** Largest Put Page body; default and maximum 4 MiB, a multiple of 512. */
  maxPutBytes?: number;
  /** Sent with every Put Page: lease id, if-sequence-number, ETag conditions. */
  conditions?: PageBlobRequestConditions;
  abortSignal?: PageBlobUploadPagesOptions['abortSignal'];
}

/** What a writer has sent so far. */
export interface PageBlobWriterStats {
  putPageCalls: number;
  bytesSent: number;
}

/**
 * Writes `(offset, data)` pieces to a page blob with few requests: adjacent writes are
 * coalesced into Put Page calls of up to 4 MiB, several in flight. Misaligned writes fail
 * before anything is sent. The first failed call fails every later `write` and `flush`.
 * `data` is kept (not copied) until sent: do not reuse it.
 *
 * WARNING: nothing is guaranteed written until `flush()` resolves.
 */
export class PageBlobWriter {
  private readonly maxInFlight: number;
  private readonly maxPutBytes: number;
  private pending: { offset: number; parts: Buffer[]; length: number } | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  readonly stats: PageBlobWriterStats = { putPageCalls: 0, bytesSent: 0 };

  constructor(private readonly client: PageBlobClient, private readonly options: PageBlobWriterOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? 4;
    this.maxPutBytes = options.maxPutBytes ?? MAX_PUT_PAGE_BYTES;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`maxInFlight must be >= 1, got ${this.maxInFlight}`);
    if (this.maxPutBytes <= 0 || this.maxPutBytes > MAX_PUT_PAGE_BYTES || this.maxPutBytes % PAGE !== 0) {
      throw new RangeError(`maxPutBytes must be a multiple of 512 up to ${MAX_PUT_PAGE_BYTES}, got ${this.maxPutBytes}`);
    }
  }

  /** Queues a write; resolves once it is buffered or handed to a Put Page call (backpressure). */
  async write(offset: number, data: Buffer): Promise<void> {
    this.throwIfFailed();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE !== 0 || data.length % PAGE !== 0) {
      throw new PageAlignmentError(offset, data.length);
    }
    if (data.length === 0) return;
    const p = this.pending;
    if (p && p.offset + p.length === offset) {
      p.parts.push(data);
      p.length += data.length;
    } else {
      await this.sendPending(true);
      this.pending = { offset, parts: [data], length: data.length };
    }
    await this.sendPending(false);
  }

  /** Sends what is buffered and waits for every call; rejects with the first failure. */
  async flush(): Promise<void> {
    await this.sendPending(true);
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /**
   * Like {@link flush}, but the last Put Page goes alone, after every other call finished, and its
   * ETag is returned: for a caller holding the blob's lease (no other writer) that is the blob's
   * ETag after all of them, so a conditional write can follow without reading the blob again.
   * `undefined` when nothing was left to send last (nothing written, or the last piece already
   * went with the others): the caller then knows no newer ETag.
   */
  async flushWithEtag(): Promise<string | undefined> {
    // write() sends every full-size piece as it fills, so what is buffered is one call's worth.
    const last = this.pending;
    this.pending = undefined;
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
    if (!last) return undefined;
    const body = last.parts.length === 1 ? last.parts[0] : Buffer.concat(last.parts);
    const r = await this.client.uploadPages(body, last.offset, body.length, { conditions: this.options.conditions, abortSignal: this.options.abortSignal });
    this.stats.putPageCalls++;
    this.stats.bytesSent += body.length;
    return r.etag;
  }

  /** Sends full-size pieces of the pending run, and the remainder too when `all`. */
  private async sendPending(all: boolean): Promise<void> {
    const p = this.pending;
    if (!p) return;
    while (p.length >= this.maxPutBytes || (all && p.length > 0)) {
      const body = p.parts.length === 1 ? p.parts[0] : Buffer.concat(p.parts);
      const n = Math.min(this.maxPutBytes, body.length);
      const piece = body.subarray(0, n);
      const offset = p.offset;
      p.parts = n < body.length ? [body.subarray(n)] : [];
      p.offset += n;
      p.length -= n;
      await this.send(offset, piece);
    }
    if (p.length === 0) this.pending = undefined;
  }

  private async send(offset: number, body: Buffer): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const call: Promise<void> = this.client
      .uploadPages(body, offset, body.length, { conditions: this.options.conditions, abortSignal: this.options.abortSignal })
      .then(
        () => {
          this.stats.putPageCalls++;
          this.stats.bytesSent += body.length;
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
