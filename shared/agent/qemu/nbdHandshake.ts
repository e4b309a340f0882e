import { createConnection, Socket } from 'node:net';
import { ServiceError } from '../../errors';

/**
 * The NBD fixed-newstyle handshake with qemu's NBD server, shared by the agent's two NBD
 * connections: reads (NbdDiskImage, simple replies) and dirty extents (readDirtyExtents,
 * structured replies and one metadata context).
 * @see https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md
 */
const NBDMAGIC = Buffer.from('NBDMAGIC');
const IHAVEOPT = 0x49484156454f5054n;
const OPT_REPLY_MAGIC = 0x3e889045565a9n;
const OPT_GO = 7;
const OPT_STRUCTURED_REPLY = 8;
const OPT_SET_META_CONTEXT = 10;
const REP_ACK = 1;
const REP_INFO = 3;
const REP_META_CONTEXT = 4;
const INFO_EXPORT = 0;
const REQUEST_MAGIC = 0x25609513;

export interface NbdHandshakeOptions {
  /** Negotiate structured replies and select this metadata context (e.g. `qemu:dirty-bitmap:NAME`). */
  metaContext?: string;
}

export interface NbdSession {
  socket: Socket;
  /** The export's size in bytes. */
  size: number;
  /** The server's id for `metaContext`, when one was asked for. */
  contextId?: number;
  /** Bytes the server sent past the handshake (replies already arriving). */
  rest: Buffer;
}

/** Connects to `socketPath` (a unix socket) and opens `exportName`; `QemuUnreachable` when it cannot. */
export async function nbdHandshake(socketPath: string, exportName: string, options: NbdHandshakeOptions = {}): Promise<NbdSession> {
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
    /** Sends one option and reads its replies up to the final one; `each` sees every reply. */
    const option = async (code: number, data: Buffer, each: (type: number, body: Buffer) => void) => {
      const opt = Buffer.alloc(16);
      opt.writeBigUInt64BE(IHAVEOPT, 0);
      opt.writeUInt32BE(code, 8);
      opt.writeUInt32BE(data.length, 12);
      socket.write(Buffer.concat([opt, data]));
      for (;;) {
        const head = await reader.read(20);
        if (head.readBigUInt64BE(0) !== OPT_REPLY_MAGIC) throw new Error('bad option reply magic');
        const type = head.readUInt32BE(12);
        const body = await reader.read(head.readUInt32BE(16));
        if (type & 0x80000000) throw new Error(`the server refused option ${code} on export '${exportName}': ${body.toString('utf8') || `reply ${type >>> 0}`}`);
        each(type, body);
        if (type === REP_ACK) return;
      }
    };
    let contextId: number | undefined;
    if (options.metaContext !== undefined) {
      await option(OPT_STRUCTURED_REPLY, Buffer.alloc(0), () => undefined);
      const query = Buffer.from(options.metaContext);
      await option(OPT_SET_META_CONTEXT, Buffer.concat([u32(name.length), name, u32(1), u32(query.length), query]), (type, body) => {
        if (type === REP_META_CONTEXT && body.subarray(4).toString('utf8') === options.metaContext) contextId = body.readUInt32BE(0);
      });
      if (contextId === undefined) throw new Error(`the export does not offer '${options.metaContext}'`);
    }
    let size: number | undefined;
    await option(OPT_GO, Buffer.concat([u32(name.length), name, Buffer.from([0, 0])]), (type, body) => {
      if (type === REP_INFO && body.readUInt16BE(0) === INFO_EXPORT) size = Number(body.readBigUInt64BE(2));
    });
    if (size === undefined) throw new Error('the server did not say the export size');
    return { socket, size, contextId, rest: reader.detach() };
  } catch (err) {
    socket.destroy();
    throw new ServiceError('QemuUnreachable', `cannot open NBD export '${exportName}' on ${socketPath}: ${(err as Error).message}`, { cause: err });
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** A transmission-phase request (28 bytes, no flags). */
export function nbdRequest(type: number, handle: bigint, offset: number, length: number): Buffer {
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
