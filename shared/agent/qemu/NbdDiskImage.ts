import type { Socket } from 'node:net';
import type { DiskExtent, DiskExtentOptions, DiskImage } from '../../disk';
import { ServiceError } from '../../errors';
import { nbdHandshake, nbdRequest } from './nbdHandshake';

const SIMPLE_REPLY_MAGIC = 0x67446698;
const CMD_READ = 0;
const CMD_DISC = 2;
/** Largest read sent in one request (qemu's server takes up to 32 MiB). */
const MAX_READ = 4 * 1024 * 1024;

/**
 * A read-only NBD client for one export of qemu's built-in NBD server, as a DiskImage: how the
 * agent reads a disk a running qemu holds open (and locked), through qemu's block layer, so it
 * sees what the guest wrote even when it is still in qemu's cache. Fixed-newstyle handshake,
 * NBD_OPT_GO, then NBD_CMD_READ with simple replies (no structured replies are negotiated, so
 * the server answers every read with one simple reply). Requests are pipelined and matched by
 * handle. Written here: npm has no maintained NBD client, and this subset is small; block
 * status (dirty bitmaps) is read on a connection of its own, see readDirtyExtents.
 */
export class NbdDiskImage implements DiskImage {
  readonly format = 'raw' as const;
  readonly blockSize = undefined;
  readonly logicalSectorSize = 512;
  /** The part of a reply header received so far (a header can straddle two socket chunks). */
  private headerBytes: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<bigint, { length: number; resolve(b: Buffer): void; reject(e: Error): void }>();
  private nextHandle = 1n;
  private failed?: Error;
  /** The reply whose data is arriving: copied into `data` as chunks come. */
  private current?: { handle: bigint; data: Buffer; filled: number };

  private constructor(private readonly socket: Socket, readonly path: string, readonly virtualSize: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new ServiceError('QemuUnreachable', `the NBD connection to ${path} closed`)));
  }

  /** Connects to `socketPath` (a unix socket) and opens export `exportName`. */
  static async open(socketPath: string, exportName: string): Promise<NbdDiskImage> {
    const { socket, size, rest } = await nbdHandshake(socketPath, exportName);
    const image = new NbdDiskImage(socket, `nbd+unix:///${exportName}?socket=${socketPath}`, size);
    if (rest.length > 0) image.onData(rest);
    return image;
  }

  get allocatedBytes(): number {
    return this.virtualSize;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this.virtualSize - offset));
    if (n === length && n > 0 && n <= MAX_READ) return this.request(offset, n); // one reply: its buffer as is
    const out = Buffer.alloc(length);
    const parts: Promise<void>[] = [];
    for (let at = 0; at < n; at += MAX_READ) {
      const len = Math.min(MAX_READ, n - at);
      parts.push(this.request(offset + at, len).then((b) => { b.copy(out, at); }));
    }
    await Promise.all(parts);
    return out;
  }

  async *extents(options: DiskExtentOptions = {}): AsyncIterableIterator<DiskExtent> {
    const max = options.maxExtentBytes ?? 1024 * 1024;
    for (let at = 0; at < this.virtualSize; at += max) {
      const data = await this.read(at, Math.min(max, this.virtualSize - at));
      options.onScanned?.(at + data.length);
      yield { offset: at, data };
    }
  }

  async close(): Promise<void> {
    if (!this.failed && !this.socket.destroyed) {
      this.socket.end(nbdRequest(CMD_DISC, 0n, 0, 0));
      await new Promise<void>((resolve) => { this.socket.once('close', () => resolve()); setTimeout(resolve, 1000).unref(); });
    }
    this.socket.destroy();
  }

  private request(offset: number, length: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const handle = this.nextHandle++;
    return new Promise((resolve, reject) => {
      this.pending.set(handle, { length, resolve, reject });
      this.socket.write(nbdRequest(CMD_READ, handle, offset, length));
    });
  }

  /**
   * Replies are parsed as chunks arrive: a reply's data is copied once, straight into the
   * buffer allocated when its header came (appending every chunk to one growing buffer copied
   * each 4 MiB reply ~64 times over and held reads to ~15 MB/s).
   */
  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.current) {
        const c = this.current;
        const n = Math.min(c.data.length - c.filled, chunk.length - at);
        chunk.copy(c.data, c.filled, at, at + n);
        c.filled += n;
        at += n;
        if (c.filled < c.data.length) return;
        const p = this.pending.get(c.handle)!;
        this.pending.delete(c.handle);
        this.current = undefined;
        p.resolve(c.data);
        continue;
      }
      // A reply header (16 bytes) may straddle chunks: only those few bytes are kept between them.
      const need = 16 - this.headerBytes.length;
      this.headerBytes = Buffer.concat([this.headerBytes, chunk.subarray(at, at + need)]);
      at += Math.min(need, chunk.length - at);
      if (this.headerBytes.length < 16) return;
      const head = this.headerBytes;
      this.headerBytes = Buffer.alloc(0);
      const magic = head.readUInt32BE(0);
      const error = head.readUInt32BE(4);
      const handle = head.readBigUInt64BE(8);
      const p = this.pending.get(handle);
      if (magic !== SIMPLE_REPLY_MAGIC || !p) {
        this.socket.destroy(new Error(`unexpected NBD reply (magic ${magic.toString(16)}, handle ${handle})`));
        return;
      }
      if (error !== 0) {
        this.pending.delete(handle);
        p.reject(new ServiceError('QemuReadFailed', `NBD read failed with error ${error} on ${this.path}`));
        continue;
      }
      this.current = { handle, data: Buffer.allocUnsafe(p.length), filled: 0 };
      if (p.length === 0) {
        this.pending.delete(handle);
        this.current = undefined;
        p.resolve(Buffer.alloc(0));
      }
    }
  }
}
