/**
 * Turns chunks of any size into reads of exact sizes. A read that fits in one chunk returns a
 * view of it (no copy); one that spans chunks is assembled into a new Buffer. Never holds more
 * than the current read plus one chunk.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Index of the first unread chunk (shifting arrays of tiny chunks would be quadratic). */
  private head = 0;
  private buffered = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (async function* () {
            yield* source as Iterable<Uint8Array>;
          })();
  }

  /** Reads exactly `n` bytes, or fewer only when the source ended first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.pull()));
    const want = Math.min(n, this.buffered);
    const first = this.chunks[this.head];
    if (first !== undefined && first.length >= want) {
      const out = first.subarray(0, want);
      this.consume(want);
      return out;
    }
    const out = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const c = this.chunks[this.head];
      const k = Math.min(c.length, want - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      this.consume(k);
    }
    return out;
  }

  /** Whether any byte is left (> 0) once the reads so far are done; 0 means the source is exhausted. */
  async remaining(): Promise<number> {
    if (this.buffered === 0) await this.pull();
    return this.buffered;
  }

  /** Stops the source early (e.g. a file stream) after an error. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        return false;
      }
      if (next.value.length === 0) continue;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      return true;
    }
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const c = this.chunks[this.head];
      if (c.length <= n) {
        this.head++;
        n -= c.length;
      } else {
        this.chunks[this.head] = c.subarray(n);
        n = 0;
      }
    }
    if (this.head > 1024 || this.head === this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
