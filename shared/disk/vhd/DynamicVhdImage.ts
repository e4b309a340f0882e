import { CorruptFormatError, UnsupportedFormatError } from '../../errors';
import { ImageFile } from '../binary/ImageFile';
import { assertNoOverlap, ClaimedRange } from '../binary/assertNoOverlap';
import { toSafeNumber } from '../binary/toSafeNumber';
import { DiskSpan, MappedDiskImage } from '../MappedDiskImage';
import { allocatedBlockBytes } from '../allocatedBlockBytes';
import { vhdChecksum } from './VhdChecksum';
import {
  VHD_BAT_UNUSED, VHD_DYNAMIC_COOKIE, VHD_DYNAMIC_HEADER, VHD_DYNAMIC_HEADER_VERSION, decodeVhdDynamicHeader,
} from './VhdDynamicHeader';
import { VhdFooter } from './VhdFooter';

const SECTOR = 512;
const STRUCTURE = 'VHD dynamic header';

/**
 * A dynamic VHD: a footer copy at 0, the dynamic header, a BAT of sector offsets, and blocks
 * of [sector bitmap | data]. Only sectors whose bitmap bit is set (MSB first) are stored;
 * unallocated blocks and clear bits read as zero.
 * @see Virtual Hard Disk Image Format Specification, "Block Allocation Table and Data Blocks"
 */
export class DynamicVhdImage extends MappedDiskImage {
  readonly format = 'vhd-dynamic' as const;
  readonly logicalSectorSize = SECTOR;
  private readonly bitmapBytes: number;
  private cachedBitmap: { block: number; bits: Buffer } | undefined;

  private constructor(
    file: ImageFile,
    readonly virtualSize: number,
    readonly blockSize: number,
    /** Absolute file offset of each block's sector bitmap, or undefined when unallocated. */
    private readonly blockOffsets: (number | undefined)[],
    /** Where the BAT lies: what an in-place writer needs (DynamicVhdBlockWriter). */
    readonly tableOffset: number,
  ) {
    super(file);
    this.bitmapBytes = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
  }

  /** Bytes of each block's sector bitmap (whole sectors). */
  get sectorBitmapBytes(): number {
    return this.bitmapBytes;
  }

  /** File offset of each block's sector bitmap (undefined: unallocated), for an in-place writer. */
  blockBitmapOffsets(): readonly (number | undefined)[] {
    return this.blockOffsets;
  }

  get allocatedBytes(): number {
    return allocatedBlockBytes(this.blockOffsets, this.blockSize, this.virtualSize);
  }

  /** Parses and checks the dynamic header and BAT named by an already validated footer. */
  static async open(file: ImageFile, footer: VhdFooter): Promise<DynamicVhdImage> {
    const footerAt = file.size - SECTOR;
    const virtualSize = toSafeNumber(footer.currentSize, 'VHD footer', 'current size', footerAt + 48);
    const headerAt = toSafeNumber(footer.dataOffset, 'VHD footer', 'data offset', footerAt + 16);
    if (headerAt < SECTOR || headerAt + VHD_DYNAMIC_HEADER.len > footerAt) {
      throw new CorruptFormatError(
        { structure: 'VHD footer', field: 'data offset', offset: footerAt + 16, expected: `within [512, ${footerAt - VHD_DYNAMIC_HEADER.len}]`, actual: headerAt },
      );
    }
    const buf = await file.readStructure(STRUCTURE, headerAt, VHD_DYNAMIC_HEADER.len);
    const h = decodeVhdDynamicHeader(buf);
    const H = VHD_DYNAMIC_HEADER;
    const expectedSum = vhdChecksum(buf, H.checksum.at);
    if (h.checksum !== expectedSum) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'checksum', offset: headerAt + H.checksum.at, expected: expectedSum, actual: h.checksum });
    }
    if (h.cookie !== VHD_DYNAMIC_COOKIE) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'cookie', offset: headerAt, expected: VHD_DYNAMIC_COOKIE, actual: JSON.stringify(h.cookie) });
    }
    if (h.headerVersion !== VHD_DYNAMIC_HEADER_VERSION) {
      throw new UnsupportedFormatError({ structure: STRUCTURE, field: 'header version', offset: headerAt + H.headerVersion.at, expected: VHD_DYNAMIC_HEADER_VERSION, actual: h.headerVersion });
    }
    const blockSize = h.blockSize;
    if (blockSize < SECTOR || (blockSize & (blockSize - 1)) !== 0) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'block size', offset: headerAt + H.blockSize.at, expected: 'a power of two >= 512', actual: blockSize });
    }
    // Bounded count: enough entries for the virtual size, and a table that fits in the file.
    const needed = Math.ceil(virtualSize / blockSize);
    const entries = h.maxTableEntries;
    if (entries < needed || entries * 4 > file.size) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'max table entries', offset: headerAt + H.maxTableEntries.at, expected: `>= ${needed} and a table within the file`, actual: entries });
    }
    const tableAt = toSafeNumber(h.tableOffset, STRUCTURE, 'table offset', headerAt + H.tableOffset.at);
    if (tableAt < SECTOR || tableAt + entries * 4 > footerAt) {
      throw new CorruptFormatError({ structure: STRUCTURE, field: 'table offset', offset: headerAt + H.tableOffset.at, expected: `a BAT of ${entries * 4} bytes within [512, ${footerAt})`, actual: tableAt });
    }
    const bat = await file.readStructure('VHD BAT', tableAt, entries * 4);
    const bitmapBytes = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
    const claims: ClaimedRange[] = [
      { start: 0, end: SECTOR, structure: 'VHD footer copy', field: 'extent', offset: 0 },
      { start: headerAt, end: headerAt + H.len, structure: STRUCTURE, field: 'extent', offset: headerAt },
      { start: tableAt, end: tableAt + entries * 4, structure: 'VHD BAT', field: 'extent', offset: tableAt },
    ];
    const offsets: (number | undefined)[] = [];
    for (let i = 0; i < needed; i++) {
      const entry = bat.readUInt32BE(i * 4);
      if (entry === VHD_BAT_UNUSED) {
        offsets.push(undefined);
        continue;
      }
      const start = entry * SECTOR;
      const end = start + bitmapBytes + blockSize;
      if (start < SECTOR || end > footerAt) {
        throw new CorruptFormatError(
          { structure: 'VHD BAT', field: `entry ${i}`, offset: tableAt + i * 4, expected: `a block within [512, ${footerAt})`, actual: `sector ${entry} (block [${start}, ${end}))` },
          end > footerAt ? 'block lies past the end of the file: truncated or damaged BAT' : undefined,
        );
      }
      claims.push({ start, end, structure: 'VHD BAT', field: `entry ${i}`, offset: tableAt + i * 4 });
      offsets.push(start);
    }
    assertNoOverlap(claims);
    return new DynamicVhdImage(file, virtualSize, blockSize, offsets, tableAt);
  }

  private async bitmap(block: number): Promise<Buffer> {
    if (this.cachedBitmap?.block === block) return this.cachedBitmap.bits;
    const bits = await this.file.readStructure('VHD sector bitmap', this.blockOffsets[block]!, this.bitmapBytes);
    this.cachedBitmap = { block, bits };
    return bits;
  }

  /** Bit for sector `s` of a block: MSB first within each byte. */
  private static isSet(bits: Buffer, s: number): boolean {
    return (bits[s >> 3] & (0x80 >> (s & 7))) !== 0;
  }

  protected async spanAt(virtualOffset: number): Promise<DiskSpan> {
    const block = Math.floor(virtualOffset / this.blockSize);
    const blockStart = block * this.blockSize;
    const blockEnd = Math.min(blockStart + this.blockSize, this.virtualSize);
    const at = this.blockOffsets[block];
    if (at === undefined) return { virtualOffset, length: blockEnd - virtualOffset, fileOffset: undefined };
    const bits = await this.bitmap(block);
    const first = Math.floor((virtualOffset - blockStart) / SECTOR);
    const set = DynamicVhdImage.isSet(bits, first);
    let s = first + 1;
    while (blockStart + s * SECTOR < blockEnd && DynamicVhdImage.isSet(bits, s) === set) s++;
    const length = Math.min(blockStart + s * SECTOR, blockEnd) - virtualOffset;
    return { virtualOffset, length, fileOffset: set ? at + this.bitmapBytes + (virtualOffset - blockStart) : undefined };
  }

  protected async *storedSpans(): AsyncIterable<DiskSpan> {
    for (let block = 0; block < this.blockOffsets.length; block++) {
      if (this.blockOffsets[block] === undefined) continue;
      const blockEnd = Math.min((block + 1) * this.blockSize, this.virtualSize);
      for (let v = block * this.blockSize; v < blockEnd;) {
        const span = await this.spanAt(v);
        if (span.fileOffset !== undefined) yield span;
        v += span.length;
      }
    }
  }
}
