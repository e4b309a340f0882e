import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { NbdDiskImage, readDirtyExtents } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';

const K = 4096;
const SIZE = 1024 * 1024;
/** The fake server describes at most this much per block-status request: the client must ask again. */
const STATUS_SPAN = 512 * K / 4;
const DIRTY: [number, number][] = [[K, 2 * K], [16 * K, K], [127 * K, 3 * K]]; // the last crosses STATUS_SPAN (128 KiB)
const pattern = (at: number) => (at * 7 + 3) % 251;

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(n); return b; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fixed-newstyle NBD server as the NBD spec describes it (qemu's is the real one, in the
 * integration suites), with the awkward parts made certain: reply headers split across socket
 * writes, reads answered in reverse order, block status for part of the asked range only.
 */
function fakeNbdServer(context = 'qemu:dirty-bitmap:b1'): Server {
  return createServer((socket: Socket) => {
    let buf = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    socket.on('data', (c: Buffer) => { buf = Buffer.concat([buf, c]); wake?.(); });
    socket.on('error', () => undefined);
    const take = async (n: number) => {
      while (buf.length < n) await new Promise<void>((r) => { wake = r; });
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    };
    const optReply = (option: number, type: number, body: Buffer) => socket.write(Buffer.concat([u64(0x3e889045565a9n), u32(option), u32(type), u32(body.length), body]));
    /** Writes `data` in pieces with pauses, so the client sees a reply header cut in two. */
    const dribble = async (data: Buffer) => {
      const cuts = [0, 5, 13, data.length];
      for (let i = 0; i + 1 < cuts.length; i++) {
        socket.write(data.subarray(cuts[i], cuts[i + 1]));
        await sleep(2);
      }
    };
    void (async () => {
      socket.write(Buffer.concat([Buffer.from('NBDMAGIC'), u64(0x49484156454f5054n), Buffer.from([0, 3])]));
      await take(4);
      let contextId: number | undefined;
      for (;;) {
        const head = await take(16);
        const option = head.readUInt32BE(8);
        const data = await take(head.readUInt32BE(12));
        if (option === 10) {
          const nameLen = data.readUInt32BE(0);
          const query = data.subarray(nameLen + 12).toString();
          if (query === context) {
            contextId = 7;
            optReply(option, 4, Buffer.concat([u32(7), Buffer.from(query)]));
          }
        }
        if (option === 7) optReply(option, 3, Buffer.concat([Buffer.from([0, 0]), u64(BigInt(SIZE)), Buffer.from([0, 1])]));
        optReply(option, 1, Buffer.alloc(0));
        if (option === 7) break;
      }
      const reads: Buffer[] = [];
      for (;;) {
        const req = await take(28);
        const type = req.readUInt16BE(6);
        const handle = req.readBigUInt64BE(8);
        const offset = Number(req.readBigUInt64BE(16));
        const length = req.readUInt32BE(24);
        if (type === 2) return socket.end();
        if (type === 0) {
          const data = Buffer.alloc(length);
          for (let i = 0; i < length; i++) data[i] = pattern(offset + i);
          reads.push(Buffer.concat([u32(0x67446698), u32(0), u64(handle), data]));
          // The test's two pipelined 4 KiB reads near the start: answer the second first.
          if (reads.length === 2 || !(length === K && offset < 100 * K)) {
            for (const r of reads.reverse()) await dribble(r);
            reads.length = 0;
          }
          continue;
        }
        if (type === 7 && contextId !== undefined) {
          const end = Math.min(offset + length, offset + STATUS_SPAN);
          const extents: Buffer[] = [];
          for (let at = offset; at < end;) {
            const d = DIRTY.find(([o, l]) => at >= o && at < o + l);
            const next = d ? Math.min(d[0] + d[1], end) : Math.min(end, ...DIRTY.map(([o]) => o).filter((o) => o > at));
            extents.push(u32(next - at), u32(d ? 1 : 0));
            at = next;
          }
          const payload = Buffer.concat([u32(contextId), ...extents]);
          const chunk = (flags: number, t: number, body: Buffer) => Buffer.concat([u32(0x668e33ef), Buffer.from([0, flags, t >> 8, t & 0xff]), u64(handle), u32(body.length), body]);
          await dribble(chunk(0, 5, payload));
          await dribble(chunk(1, 0, Buffer.alloc(0)));
        }
      }
    })();
  });
}

describe('the NBD client the agent reads a running qemu through (a fake server that splits and reorders replies)', () => {
  const dir = tempDir('nbd-client-');
  let server: Server;
  const socket = () => join(dir.path, 'nbd.sock');

  beforeAll(async () => {
    server = fakeNbdServer();
    await new Promise<void>((r) => server.listen(socket(), r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    dir.cleanup();
  });

  it('reads pipelined requests answered out of order, with reply headers cut across packets, each into its own bytes', async () => {
    const image = await NbdDiskImage.open(socket(), 'x');
    try {
      expect(image.virtualSize).toBe(SIZE);
      const [a, b] = await Promise.all([image.read(8 * K, K), image.read(20 * K, K)]);
      const expected = (at: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => pattern(at + i)));
      expect(a.equals(expected(8 * K, K))).toBe(true);
      expect(b.equals(expected(20 * K, K))).toBe(true);
      const whole = await image.read(0, SIZE);
      expect(whole.equals(expected(0, SIZE))).toBe(true);
      // Past the end: what the export has, then zeros.
      const tail = await image.read(SIZE - K, 2 * K);
      expect(tail.subarray(0, K).equals(expected(SIZE - K, K))).toBe(true);
      expect(tail.subarray(K).equals(Buffer.alloc(K))).toBe(true);
    } finally {
      await image.close();
    }
  });

  it('lists the dirty extents of a bitmap by block status, asking again where the server stopped, joining touching extents', async () => {
    expect(await readDirtyExtents(socket(), 'x', 'b1')).toEqual([
      { offset: K, length: 2 * K },
      { offset: 16 * K, length: K },
      { offset: 127 * K, length: 3 * K }, // described in two replies (the server stops at 128 KiB)
    ]);
  });

  it('refuses a bitmap the export does not carry', async () => {
    await expect(readDirtyExtents(socket(), 'x', 'nosuch')).rejects.toMatchObject({ code: 'QemuUnreachable', message: expect.stringMatching(/does not offer 'qemu:dirty-bitmap:nosuch'/) });
  });
});
