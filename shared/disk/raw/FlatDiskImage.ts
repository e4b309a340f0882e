import { MappedDiskImage, DiskSpan } from '../MappedDiskImage';
import { ImageFile } from '../binary/ImageFile';

/**
 * A disk stored byte for byte from file offset 0: a raw image, or the data part of a fixed
 * VHD (whose footer follows the data). Every byte is "stored"; callers that want to skip
 * zero runs ask `extents({ skipZeroes: true })`.
 */
export class FlatDiskImage extends MappedDiskImage {
  readonly logicalSectorSize = 512;
  readonly blockSize = undefined;

  constructor(
    file: ImageFile,
    readonly format: 'raw' | 'vhd-fixed',
    readonly virtualSize: number,
  ) {
    super(file);
  }

  get allocatedBytes(): number {
    return this.virtualSize;
  }

  protected async spanAt(virtualOffset: number): Promise<DiskSpan> {
    return { virtualOffset, length: this.virtualSize - virtualOffset, fileOffset: virtualOffset };
  }

  protected async *storedSpans(): AsyncIterable<DiskSpan> {
    if (this.virtualSize > 0) yield { virtualOffset: 0, length: this.virtualSize, fileOffset: 0 };
  }
}
