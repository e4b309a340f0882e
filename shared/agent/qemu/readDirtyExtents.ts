import { ServiceError } from '../../errors';
import type { DiskRange } from '../ChangeTracker';
import { nbdHandshake, nbdRequest } from './nbdHandshake';

const STRUCTURED_REPLY_MAGIC = 0x668e33ef;
const CMD_BLOCK_STATUS = 7;
const CMD_DISC = 2;
const REPLY_FLAG_DONE = 1;
const REPLY_TYPE_NONE = 0;
const REPLY_TYPE_BLOCK_STATUS = 5;
/** Error reply types have bit 15 set (NBD_REPLY_TYPE_ERROR, NBD_REPLY_TYPE_ERROR_OFFSET). */
const REPLY_TYPE_ERROR_BIT = 0x8000;
/** The `qemu:dirty-bitmap:` context's status flag for a dirty extent. */
const STATE_DIRTY = 1;
/** Largest length one request asks about: the field is 32 bits; kept a multiple of 64 KiB. */
const MAX_QUERY = 0xffff0000;

/**
 * The dirty extents of `bitmap` in export `exportName` of qemu's NBD server (the export must
 * carry the bitmap: `block-export-add … bitmaps`), as sorted byte ranges. One connection with
 * structured replies and the `qemu:dirty-bitmap:NAME` metadata context, then
 * NBD_CMD_BLOCK_STATUS over the whole disk: qemu answers with every extent of the range it can
 * (up to 128 Ki per reply), so one round trip lists a cycle's changes. `qemu-img map
 * x-dirty-bitmap` did the same with a process per bitmap and one round trip per extent (its NBD
 * client asks for one extent at a time): 0.2–0.9 s for 1,311 dirty blocks on a loaded machine.
 * @see https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md#metadata-querying
 */
export async function readDirtyExtents(socketPath: string, exportName: string, bitmap: string): Promise<DiskRange[]> {
  const context = `qemu:dirty-bitmap:${bitmap}`;
  const { socket, size, contextId, rest } = await nbdHandshake(socketPath, exportName, { metaContext: context });
  const where = `NBD export '${exportName}' on ${socketPath}`;
  let buf = rest;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  socket.on('data', (c: Buffer) => { buf = buf.length ? Buffer.concat([buf, c]) : c; wake?.(); });
  socket.on('error', (e) => { failed ??= e; wake?.(); });
  socket.on('close', () => { failed ??= new ServiceError('QemuUnreachable', `the connection to ${where} closed`); wake?.(); });
  const take = async (n: number): Promise<Buffer> => {
    while (buf.length < n) {
      if (failed) throw failed;
      await new Promise<void>((r) => { wake = r; });
      wake = undefined;
    }
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  const dirty: DiskRange[] = [];
  try {
    let handle = 1n;
    for (let at = 0; at < size;) {
      const length = Math.min(MAX_QUERY, size - at);
      socket.write(nbdRequest(CMD_BLOCK_STATUS, handle, at, length));
      let covered = 0;
      for (let done = false; !done;) {
        const head = await take(20);
        if (head.readUInt32BE(0) !== STRUCTURED_REPLY_MAGIC || head.readBigUInt64BE(8) !== handle) {
          throw new ServiceError('QemuReadFailed', `unexpected NBD reply from ${where} (magic ${head.readUInt32BE(0).toString(16)})`);
        }
        done = (head.readUInt16BE(4) & REPLY_FLAG_DONE) !== 0;
        const type = head.readUInt16BE(6);
        const payload = await take(head.readUInt32BE(16));
        if (type & REPLY_TYPE_ERROR_BIT) {
          const message = payload.length >= 6 ? payload.subarray(6, 6 + payload.readUInt16BE(4)).toString('utf8') : '';
          throw new ServiceError('QemuReadFailed', `block status of ${context} failed on ${where}: error ${payload.readUInt32BE(0)} ${message}`);
        }
        if (type === REPLY_TYPE_NONE) continue;
        if (type !== REPLY_TYPE_BLOCK_STATUS || payload.readUInt32BE(0) !== contextId) continue; // nothing else was asked for
        for (let i = 4; i + 8 <= payload.length; i += 8) {
          const len = Math.min(payload.readUInt32BE(i), size - (at + covered));
          if ((payload.readUInt32BE(i + 4) & STATE_DIRTY) !== 0 && len > 0) {
            const last = dirty[dirty.length - 1];
            if (last && last.offset + last.length === at + covered) last.length += len;
            else dirty.push({ offset: at + covered, length: len });
          }
          covered += len;
        }
      }
      if (covered === 0) throw new ServiceError('QemuReadFailed', `block status of ${context} on ${where} described nothing at offset ${at}`);
      at += covered;
      handle++;
    }
    return dirty;
  } finally {
    if (failed || socket.destroyed) socket.destroy();
    else socket.end(nbdRequest(CMD_DISC, 0n, 0, 0)); // qemu closes its side on NBD_CMD_DISC
  }
}
