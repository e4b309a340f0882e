import { crc32c } from '@node-rs/crc32';
import { HrlHeaderToken, HrlLogChecksum, HrlRecordHeaderToken, HrlTrailerToken, HRL_FORMAT_VERSION } from '../../../shared/hrl';

/** Raw header fields for forging logs the writer refuses to produce. */
export interface ForgedHeader {
  formatVersion?: number;
  flags?: number;
  sequence?: bigint;
  epoch?: bigint;
  virtualSize?: bigint;
  cutTimeMs?: bigint;
  dataUnitSize?: number;
  encryptionMode?: number;
  keyFingerprint?: Buffer;
  ids?: string[];
}

export interface ForgedRecord {
  offset: number | bigint;
  payload: Buffer;
  /** Override the stored length field (the CRC still covers the header as stored). */
  length?: number;
  reserved?: number;
}

/**
 * Builds a log byte by byte with correct checksums everywhere, so that a test reaches the rule
 * it targets (alignment, bounds, order...) instead of tripping over a CRC.
 */
export function forgeHrl(h: ForgedHeader, records: ForgedRecord[], trailer: { recordCount?: number; payloadBytes?: number } = {}): Buffer {
  const header = HrlHeaderToken.put({
    formatVersion: h.formatVersion ?? HRL_FORMAT_VERSION,
    flags: h.flags ?? 0,
    sequence: h.sequence ?? 1n,
    epoch: h.epoch ?? 1n,
    virtualSize: h.virtualSize ?? 1n << 26n,
    cutTimeMs: h.cutTimeMs ?? 1_700_000_000_000n,
    dataUnitSize: h.dataUnitSize ?? 4096,
    encryptionMode: h.encryptionMode ?? 0,
    keyFingerprint: h.keyFingerprint ?? Buffer.alloc(32),
    diskDigest: Buffer.alloc(32, 1),
    idParts: (h.ids ?? ['v', 'i', 'd']).map((s) => Buffer.from(s)),
  });
  const parts: Buffer[] = [header];
  const logChecksum = new HrlLogChecksum();
  logChecksum.addHeader(header);
  let bytes = 0;
  for (const r of records) {
    const rh = Buffer.alloc(24);
    rh.writeUInt32LE(0x524c5248, 0);
    rh.writeBigUInt64LE(BigInt(r.offset), 8);
    rh.writeUInt32LE(r.length ?? r.payload.length, 16);
    rh.writeUInt32LE(r.reserved ?? 0, 20);
    const crc = HrlRecordHeaderToken.crc(rh, 0, r.payload);
    rh.writeUInt32LE(crc, 4);
    parts.push(rh, r.payload);
    logChecksum.addRecordCrc(crc);
    bytes += r.payload.length;
  }
  parts.push(HrlTrailerToken.put(trailer.recordCount ?? records.length, trailer.payloadBytes ?? bytes, (p) => logChecksum.valueWith(p)));
  return Buffer.concat(parts);
}

/** Recomputes the header checksum after a test edited header bytes. */
export function resealHeader(log: Buffer): Buffer {
  const length = log.readUInt16LE(10);
  log.writeUInt32LE(crc32c(log.subarray(0, length - 4)), length - 4);
  return log;
}
