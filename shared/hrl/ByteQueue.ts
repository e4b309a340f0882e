/**
 * Turns chunks of any size into reads of exact sizes. A read that fits in one chunk returns a
 * view of it (no copy); one that spans chunks is assembled into a new Buffer. Never holds more
 * than the current read plus one chunk.
 */
export class ByteQueue {
  private readonly chunks: Buffer[] = [];
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
    const first = this.chunks[0];
    if (first !== undefined && first.length >= want) {
      const out = first.subarray(0, want);
      this.consume(want);
      return out;
    }
    const out = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const c = this.chunks[0];
      const k = Math.min(c.length, want - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      this.consume(k);
    }
    return out;
  }

  /** Bytes left after the source ends, up to one chunk's worth (0 when it is exhausted). */
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
      const c = this.chunks[0];
      if (c.length <= n) {
        this.chunks.shift();
        n -= c.length;
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }
}
