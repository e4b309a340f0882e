import { HRL_TRAILER_TAG } from './hrlConstants';

/**
 * The trailer, the last 32 bytes of a log. Little-endian.
 *
 * | off | size | field        | rule                                                         |
 * |-----|------|--------------|--------------------------------------------------------------|
 * |   0 |    4 | tag          | `HRLT`                                                       |
 * |   4 |    4 | reserved     | 0                                                            |
 * |   8 |    8 | recordCount  | number of records in the log                                 |
 * |  16 |    8 | payloadBytes | sum of record lengths                                        |
 * |  24 |    4 | logChecksum  | CRC-32C over header, every recordCrc, trailer [0, 24)        |
 * |  28 |    4 | reserved2    | 0                                                            |
 * @see docs/hrl-format.md
 */
export const HrlTrailerField = { tag: 0, reserved: 4, recordCount: 8, payloadBytes: 16, logChecksum: 24, reserved2: 28 } as const;
export const HRL_TRAILER_LENGTH = 32;

export interface RawHrlTrailer {
  tag: number;
  reserved: number;
  recordCount: bigint;
  payloadBytes: bigint;
  logChecksum: number;
  reserved2: number;
}

export const HrlTrailerToken = {
  len: HRL_TRAILER_LENGTH,
  get(buf: Buffer, off: number): RawHrlTrailer {
    const f = HrlTrailerField;
    return {
      tag: buf.readUInt32LE(off + f.tag),
      reserved: buf.readUInt32LE(off + f.reserved),
      recordCount: buf.readBigUInt64LE(off + f.recordCount),
      payloadBytes: buf.readBigUInt64LE(off + f.payloadBytes),
      logChecksum: buf.readUInt32LE(off + f.logChecksum),
      reserved2: buf.readUInt32LE(off + f.reserved2),
    };
  },
  /** Encodes a trailer; `checksumOf` receives bytes [0, 24) and returns the log checksum. */
  put(recordCount: number, payloadBytes: number, checksumOf: (prefix: Buffer) => number): Buffer {
    const f = HrlTrailerField;
    const buf = Buffer.alloc(HRL_TRAILER_LENGTH);
    buf.writeUInt32LE(HRL_TRAILER_TAG, f.tag);
    buf.writeBigUInt64LE(BigInt(recordCount), f.recordCount);
    buf.writeBigUInt64LE(BigInt(payloadBytes), f.payloadBytes);
    buf.writeUInt32LE(checksumOf(buf.subarray(0, f.logChecksum)), f.logChecksum);
    return buf;
  },
};
