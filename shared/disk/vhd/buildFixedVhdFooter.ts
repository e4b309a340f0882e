import { randomUUID } from 'node:crypto';
import { vhdChecksum } from './VhdChecksum';
import { vhdGeometry } from './VhdGeometry';
import { VHD_COOKIE, VHD_FEATURE_RESERVED, VHD_FOOTER, VHD_FORMAT_VERSION, VHD_NO_DATA_OFFSET, VhdDiskType } from './VhdFooter';

/** Seconds between the Unix epoch and the VHD epoch (2000-01-01T00:00:00Z). */
const VHD_EPOCH_SECONDS = 946684800;

export interface FixedVhdFooterOptions {
  /** Virtual size in bytes; Azure wants a whole number of MiB. */
  virtualSize: number;
  /** Defaults to a random UUID. */
  uniqueId?: Buffer;
  /** Defaults to now. */
  time?: Date;
}

/**
 * The footer of a fixed VHD as Azure accepts it: creator `win ` on `Wi2k` (Hyper-V), so
 * readers take the size from `currentSize` instead of rounding it by geometry.
 */
export function buildFixedVhdFooter(options: FixedVhdFooterOptions): Buffer {
  const { virtualSize } = options;
  if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0 || virtualSize % 512 !== 0) {
    throw new RangeError(`virtual size must be a positive multiple of 512, got ${virtualSize}`);
  }
  const f = VHD_FOOTER;
  const buf = Buffer.alloc(f.len);
  buf.write(VHD_COOKIE, f.cookie.at, 'latin1');
  buf.writeUInt32BE(VHD_FEATURE_RESERVED, f.features.at);
  buf.writeUInt32BE(VHD_FORMAT_VERSION, f.formatVersion.at);
  buf.writeBigUInt64BE(VHD_NO_DATA_OFFSET, f.dataOffset.at);
  const seconds = Math.floor((options.time ?? new Date()).getTime() / 1000) - VHD_EPOCH_SECONDS;
  buf.writeUInt32BE(Math.max(0, seconds) >>> 0, f.timestamp.at);
  buf.write('win ', f.creatorApp.at, 'latin1');
  buf.writeUInt32BE(0x000a0000, f.creatorVersion.at); // Hyper-V writes 10.0
  buf.write('Wi2k', f.creatorHostOs.at, 'latin1');
  buf.writeBigUInt64BE(BigInt(virtualSize), f.originalSize.at);
  buf.writeBigUInt64BE(BigInt(virtualSize), f.currentSize.at);
  const g = vhdGeometry(virtualSize / 512);
  buf.writeUInt16BE(g.cylinders, f.cylinders.at);
  buf.writeUInt8(g.heads, f.heads.at);
  buf.writeUInt8(g.sectorsPerTrack, f.sectorsPerTrack.at);
  buf.writeUInt32BE(VhdDiskType.fixed, f.diskType.at);
  const id = options.uniqueId ?? Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
  if (id.length !== 16) throw new RangeError(`unique id must be 16 bytes, got ${id.length}`);
  id.copy(buf, f.uniqueId.at);
  buf.writeUInt32BE(vhdChecksum(buf, f.checksum.at), f.checksum.at);
  return buf;
}
