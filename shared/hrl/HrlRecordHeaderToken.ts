import { crc32c } from '@node-rs/crc32';
import { HRL_RECORD_TAG } from './hrlConstants';

/**
 * A record header, followed by `length` payload bytes. Little-endian.
 *
 * | off | size | field     | rule                                                          |
 * |-----|------|-----------|---------------------------------------------------------------|
 * |   0 |    4 | tag       | `HRLR`                                                        |
 * |   4 |    4 | recordCrc | CRC-32C of header bytes [8, 24) followed by the payload       |
 * |   8 |    8 | offset    | disk byte offset: multiple of 4096, inside the disk           |
 * |  16 |    4 | length    | payload bytes: multiple of 4096, 4096..64 MiB                 |
 * |  20 |    4 | reserved  | 0                                                             |
 *
 * The CRC sits before the fields it covers so that, in a log held in memory, fields and
 * payload are one contiguous span: one CRC call per record (a native call costs about as much
 * as checksumming 2 KiB, so this matters for small records).
 * @see docs/hrl-format.md
 */
export const HrlRecordHeaderField = { tag: 0, recordCrc: 4, offset: 8, length: 16, reserved: 20 } as const;
export const HRL_RECORD_HEADER_LENGTH = 24;
/** Where the CRC-covered span of a record header starts. */
const CRC_FROM = 8;

export const HrlRecordHeaderToken = {
  len: HRL_RECORD_HEADER_LENGTH,
  /**
   * The record CRC. When `payload` directly follows the header in `buf` (a log in memory) it is
   * one call over the contiguous span; otherwise header part and payload are chained.
   */
  crc(buf: Buffer, off: number, payload: Buffer): number {
    const spanStart = buf.byteOffset + off + CRC_FROM;
    if (payload.buffer === buf.buffer && payload.byteOffset === spanStart + HRL_RECORD_HEADER_LENGTH - CRC_FROM) {
      return crc32c(buf.subarray(off + CRC_FROM, off + HRL_RECORD_HEADER_LENGTH + payload.length));
    }
    return crc32c(payload, crc32c(buf.subarray(off + CRC_FROM, off + HRL_RECORD_HEADER_LENGTH)));
  },
  put(offset: number, payload: Buffer): Buffer {
    const f = HrlRecordHeaderField;
    const buf = Buffer.alloc(HRL_RECORD_HEADER_LENGTH);
    buf.writeUInt32LE(HRL_RECORD_TAG, f.tag);
    buf.writeBigUInt64LE(BigInt(offset), f.offset);
    buf.writeUInt32LE(payload.length, f.length);
    buf.writeUInt32LE(this.crc(buf, 0, payload), f.recordCrc);
    return buf;
  },
};
