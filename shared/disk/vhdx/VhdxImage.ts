import { CorruptFormatError } from '../../errors';
import { ImageFile } from '../binary/ImageFile';
import { assertNoOverlap, ClaimedRange } from '../binary/assertNoOverlap';
import { toSafeNumber } from '../binary/toSafeNumber';
import { DiskSpan, MappedDiskImage } from '../MappedDiskImage';
import { allocatedBlockBytes } from '../allocatedBlockBytes';
import { readCurrentVhdxHeader } from './readCurrentVhdxHeader';
import { readVhdxMetadata } from './readVhdxMetadata';
import { readVhdxRegions } from './readVhdxRegions';
import { VhdxBitmapState, VhdxPayloadState, decodeVhdxBatEntry, vhdxChunkRatio, vhdxPayloadIndex } from './VhdxBatEntry';
import { VHDX_HEADER } from './VhdxHeader';

const MIB = 1024 * 1024;
const STRUCTURE = 'VHDX BAT';

/**
 * A VHDX without a parent and with a clean log. Only FULLY_PRESENT payload blocks are stored;
 * NOT_PRESENT, ZERO, UNMAPPED and UNDEFINED blocks read as zero.
 * @see MS-VHDX 2.5 "BAT"
 */
export class VhdxImage extends MappedDiskImage {
  readonly format = 'vhdx' as const;

  private constructor(
    file: ImageFile,
    readonly virtualSize: number,
    readonly logicalSectorSize: number,
    readonly blockSize: number,
    /** Absolute file offset of each payload block, or undefined when it reads as zero. */
    private readonly blockOffsets: (number | undefined)[],
    /** Where the BAT lies and how payload entries interleave with bitmap entries: what an in-place writer needs (VhdxBlockWriter). */
    readonly batLayout: { batOffset: number; chunkRatio: number },
  ) {
    super(file);
  }

  /** File offset of each payload block (undefined: reads as zero), for an in-place writer. */
  payloadBlockOffsets(): readonly (number | undefined)[] {
    return this.blockOffsets;
  }

  get allocatedBytes(): number {
    return allocatedBlockBytes(this.blockOffsets, this.blockSize, this.virtualSize);
  }

  static async open(file: ImageFile): Promise<VhdxImage> {
    const header = await readCurrentVhdxHeader(file);
    const regions = await readVhdxRegions(file);
    const meta = await readVhdxMetadata(file, regions.metadata);
    const { blockSize, virtualSize, logicalSectorSize } = meta;
    const chunkRatio = vhdxChunkRatio(logicalSectorSize, blockSize);
    const blocks = Math.ceil(virtualSize / blockSize);
    const entries = blocks === 0 ? 0 : vhdxPayloadIndex(blocks - 1, chunkRatio) + 1;
    const batAt = regions.bat.offset;
    if (entries * 8 > regions.bat.length) {
      throw new CorruptFormatError({ structure: 'VHDX region table', field: 'BAT length', offset: regions.bat.entryAt + 24, expected: `>= ${entries * 8} for ${blocks} blocks`, actual: regions.bat.length });
    }
    const claims: ClaimedRange[] = [
      { start: 0, end: MIB, structure: 'VHDX header area', field: 'extent', offset: 0 },
      { start: batAt, end: batAt + regions.bat.length, structure: 'VHDX BAT region', field: 'extent', offset: regions.bat.entryAt },
      { start: regions.metadata.offset, end: regions.metadata.offset + regions.metadata.length, structure: 'VHDX metadata region', field: 'extent', offset: regions.metadata.entryAt },
    ];
    if (header.logLength > 0) {
      const logAt = toSafeNumber(header.logOffset, 'VHDX header', 'log offset', header.at + VHDX_HEADER.logOffset.at);
      claims.push({ start: logAt, end: logAt + header.logLength, structure: 'VHDX log', field: 'extent', offset: header.at + VHDX_HEADER.logOffset.at });
    }
    const bat = await file.readStructure(STRUCTURE, batAt, entries * 8);
    const offsets: (number | undefined)[] = [];
    for (let i = 0; i < entries; i++) {
      const isBitmap = (i + 1) % (chunkRatio + 1) === 0;
      const { state, fileOffset } = decodeVhdxBatEntry(bat.readBigUInt64LE(i * 8));
      const at = batAt + i * 8;
      const field = isBitmap ? `sector bitmap entry ${i}` : `payload entry ${i} (block ${offsets.length})`;
      const ok = isBitmap
        ? state === VhdxBitmapState.notPresent || state === VhdxBitmapState.present
        : [VhdxPayloadState.notPresent, VhdxPayloadState.undefined, VhdxPayloadState.zero, VhdxPayloadState.unmapped, VhdxPayloadState.fullyPresent].includes(state as 0);
      if (!ok) {
        throw new CorruptFormatError(
          { structure: STRUCTURE, field: `${field} state`, offset: at, expected: isBitmap ? '0 or 6' : '0, 1, 2, 3 or 6', actual: state },
          state === VhdxPayloadState.partiallyPresent ? 'partially present blocks exist only in differencing disks' : undefined,
        );
      }
      const stored = isBitmap ? state === VhdxBitmapState.present : state === VhdxPayloadState.fullyPresent;
      if (stored) {
        const length = isBitmap ? MIB : blockSize;
        if (fileOffset < MIB || fileOffset + length > file.size) {
          throw new CorruptFormatError(
            { structure: STRUCTURE, field: `${field} file offset`, offset: at, expected: `a block within [1 MiB, ${file.size})`, actual: `[${fileOffset}, ${fileOffset + length})` },
            fileOffset + length > file.size ? 'block lies past the end of the file: truncated or damaged BAT' : undefined,
          );
        }
        claims.push({ start: fileOffset, end: fileOffset + length, structure: STRUCTURE, field, offset: at });
      }
      if (!isBitmap) offsets.push(stored ? fileOffset : undefined);
    }
    assertNoOverlap(claims);
    return new VhdxImage(file, virtualSize, logicalSectorSize, blockSize, offsets, { batOffset: batAt, chunkRatio });
  }

  protected async spanAt(virtualOffset: number): Promise<DiskSpan> {
    const block = Math.floor(virtualOffset / this.blockSize);
    const inBlock = virtualOffset - block * this.blockSize;
    const length = Math.min((block + 1) * this.blockSize, this.virtualSize) - virtualOffset;
    const at = this.blockOffsets[block];
    return { virtualOffset, length, fileOffset: at === undefined ? undefined : at + inBlock };
  }

  protected async *storedSpans(): AsyncIterable<DiskSpan> {
    for (let block = 0; block < this.blockOffsets.length; block++) {
      const at = this.blockOffsets[block];
      if (at === undefined) continue;
      const start = block * this.blockSize;
      yield { virtualOffset: start, length: Math.min(this.blockSize, this.virtualSize - start), fileOffset: at };
    }
  }
}
