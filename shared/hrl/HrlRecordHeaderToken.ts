import { crc32c } from '@node-rs/crc32';
import { HRL_RECORD_TAG } from './hrlConstants';

/**
 * A record header, followed by `length` payload bytes. Little-endian.
 *
 * | off | size | field     | rule                                                     |
 * |-----|------|-----------|----------------------------------------------------------|
 * |   0 |    4 | tag       | `HRLR`                                                   |
 * |   4 |    4 | length    | payload bytes: multiple of 4096, 4096..64 MiB            |
 * |   8 |    8 | offset    | disk byte offset: multiple of 4096, inside the disk      |
 * |  16 |    4 | reserved  | 0                                                        |
 * |  20 |    4 | recordCrc | CRC-32C of bytes [0, 20) of this header, then the payload |
 * @see docs/hrl-format.md
 */
export const HrlRecordHeaderField = { tag: 0, length: 4, offset: 8, reserved: 16, recordCrc: 20 } as const;
export const HRL_RECORD_HEADER_LENGTH = 24;

export interface RawHrlRecordHeader {
  tag: number;
  length: number;
  offset: bigint;
  reserved: number;
  recordCrc: number;
}

export const HrlRecordHeaderToken = {
  len: HRL_RECORD_HEADER_LENGTH,
  get(buf: Buffer, off: number): RawHrlRecordHeader {
    const f = HrlRecordHeaderField;
    return {
      tag: buf.readUInt32LE(off + f.tag),
      length: buf.readUInt32LE(off + f.length),
      offset: buf.readBigUInt64LE(off + f.offset),
      reserved: buf.readUInt32LE(off + f.reserved),
      recordCrc: buf.readUInt32LE(off + f.recordCrc),
    };
  },
  /** CRC of a record: its header's first 20 bytes, then its payload. */
  crc(header: Buffer, off: number, payload: Uint8Array): number {
    return crc32c(payload, crc32c(header.subarray(off, off + HrlRecordHeaderField.recordCrc)));
  },
  put(offset: number, payload: Uint8Array): Buffer {
    const f = HrlRecordHeaderField;
    const buf = Buffer.alloc(HRL_RECORD_HEADER_LENGTH);
    buf.writeUInt32LE(HRL_RECORD_TAG, f.tag);
    buf.writeUInt32LE(payload.length, f.length);
    buf.writeBigUInt64LE(BigInt(offset), f.offset);
    buf.writeUInt32LE(this.crc(buf, 0, payload), f.recordCrc);
    return buf;
  },
};
