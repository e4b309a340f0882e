import { crc32c } from '@node-rs/crc32';

/** Record CRCs buffered before one native CRC call (16 Ki records). */
const BATCH = 64 * 1024;

/**
 * The trailer's log checksum: CRC-32C over the header bytes, then every record's `recordCrc`
 * (4 bytes little-endian, in log order), then trailer bytes [0, 24). Each record CRC covers
 * that record's offset, length and payload, so the chain covers the whole log without
 * checksumming payloads twice. CRCs are batched so small records cost no extra native call.
 */
export class HrlLogChecksum {
  private state = 0;
  private readonly batch = Buffer.allocUnsafe(BATCH);
  private used = 0;

  addHeader(header: Buffer): void {
    this.state = crc32c(header);
  }

  addRecordCrc(recordCrc: number): void {
    if (this.used === BATCH) this.flush();
    this.batch.writeUInt32LE(recordCrc, this.used);
    this.used += 4;
  }

  /** The checksum if the trailer's first 24 bytes are `trailerPrefix` (does not consume). */
  valueWith(trailerPrefix: Buffer): number {
    this.flush();
    return crc32c(trailerPrefix, this.state);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.state = crc32c(this.batch.subarray(0, this.used), this.state);
    this.used = 0;
  }
}
