import { createConnection, Socket } from 'node:net';
import type { DiskExtent, DiskExtentOptions, DiskImage } from '../../disk';
import { ServiceError } from '../../errors';

const NBDMAGIC = Buffer.from('NBDMAGIC');
const IHAVEOPT = 0x49484156454f5054n;
const OPT_REPLY_MAGIC = 0x3e889045565a9n;
const OPT_GO = 7;
const REP_ACK = 1;
const REP_INFO = 3;
const INFO_EXPORT = 0;
const REQUEST_MAGIC = 0x25609513;
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
 * handle. Written here: npm has no maintained NBD client, and this subset is ~150 lines; block
 * status (dirty bitmaps) is read with `qemu-img map`, see QemuDirtyBitmapTracker.
 */
export class NbdDiskImage implements DiskImage {
  readonly format = 'raw' as const;
  readonly blockSize = undefined;
  readonly logicalSectorSize = 512;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<bigint, { length: number; resolve(b: Buffer): void; reject(e: Error): void }>();
  private nextHandle = 1n;
  private failed?: Error;
  private current?: { handle: bigint; need: number };

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
    const socket = createConnection(socketPath);
    const reader = new HandshakeReader(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const hello = await reader.read(18);
      if (!hello.subarray(0, 8).equals(NBDMAGIC) || hello.readBigUInt64BE(8) !== IHAVEOPT) throw new Error('not a fixed-newstyle NBD server');
      socket.write(u32(3)); // FIXED_NEWSTYLE | NO_ZEROES
      const name = Buffer.from(exportName);
      const data = Buffer.concat([u32(name.length), name, Buffer.from([0, 0])]);
      const opt = Buffer.alloc(16);
      opt.writeBigUInt64BE(IHAVEOPT, 0);
      opt.writeUInt32BE(OPT_GO, 8);
      opt.writeUInt32BE(data.length, 12);
      socket.write(Buffer.concat([opt, data]));
      let size: number | undefined;
      for (;;) {
        const head = await reader.read(20);
        if (head.readBigUInt64BE(0) !== OPT_REPLY_MAGIC) throw new Error('bad option reply magic');
        const type = head.readUInt32BE(12);
        const body = await reader.read(head.readUInt32BE(16));
        if (type & 0x80000000) throw new Error(`the server refused export '${exportName}': ${body.subarray(0).toString('utf8') || `reply ${type >>> 0}`}`);
        if (type === REP_INFO && body.readUInt16BE(0) === INFO_EXPORT) size = Number(body.readBigUInt64BE(2));
        if (type === REP_ACK) break;
      }
      if (size === undefined) throw new Error('the server did not say the export size');
      const rest = reader.detach();
      const image = new NbdDiskImage(socket, `nbd+unix:///${exportName}?socket=${socketPath}`, size);
      if (rest.length > 0) image.onData(rest);
      return image;
    } catch (err) {
      socket.destroy();
      throw new ServiceError('QemuUnreachable', `cannot open NBD export '${exportName}' on ${socketPath}: ${(err as Error).message}`, { cause: err });
    }
  }

  get allocatedBytes(): number {
    return this.virtualSize;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this.virtualSize - offset));
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
      this.socket.end(header(CMD_DISC, 0n, 0, 0));
      await new Promise<void>((resolve) => { this.socket.once('close', () => resolve()); setTimeout(resolve, 1000).unref(); });
    }
    this.socket.destroy();
  }

  private request(offset: number, length: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const handle = this.nextHandle++;
    return new Promise((resolve, reject) => {
      this.pending.set(handle, { length, resolve, reject });
      this.socket.write(header(CMD_READ, handle, offset, length));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (!this.current) {
        if (this.buffered.length < 16) return;
        const magic = this.buffered.readUInt32BE(0);
        const error = this.buffered.readUInt32BE(4);
        const handle = this.buffered.readBigUInt64BE(8);
        this.buffered = this.buffered.subarray(16);
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
        this.current = { handle, need: p.length };
      }
      if (this.buffered.length < this.current.need) return;
      const data = Buffer.from(this.buffered.subarray(0, this.current.need));
      this.buffered = this.buffered.subarray(this.current.need);
      const p = this.pending.get(this.current.handle)!;
      this.pending.delete(this.current.handle);
      this.current = undefined;
      p.resolve(data);
    }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function header(type: number, handle: bigint, offset: number, length: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(REQUEST_MAGIC, 0);
  b.writeUInt16BE(0, 4);
  b.writeUInt16BE(type, 6);
  b.writeBigUInt64BE(handle, 8);
  b.writeBigUInt64BE(BigInt(offset), 16);
  b.writeUInt32BE(length, 24);
  return b;
}

/** Exact-length reads from a socket during the handshake. */
class HandshakeReader {
  private buf: Buffer = Buffer.alloc(0);
  private wake?: () => void;
  private error?: Error;
  private readonly onData = (c: Buffer) => { this.buf = Buffer.concat([this.buf, c]); this.wake?.(); };
  private readonly onEnd = (e?: Error) => { this.error = e ?? new Error('connection closed during the handshake'); this.wake?.(); };

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', () => this.onEnd());
  }

  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.error) throw this.error;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Stops listening; returns bytes received past the handshake. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.removeAllListeners('close');
    return this.buf;
  }
}
