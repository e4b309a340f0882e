import { DiskExtent, DiskExtentOptions, DiskFormat, DiskImage } from './DiskImage';
import { ImageFile } from './binary/ImageFile';

/** Where a stretch of the virtual disk lives: `fileOffset` undefined means it reads as zero. */
export interface DiskSpan {
  virtualOffset: number;
  length: number;
  fileOffset: number | undefined;
}

const DEFAULT_MAX_EXTENT = 1024 * 1024;

/**
 * The part every format shares once its tables are parsed: a format only says where virtual
 * bytes live (`spanAt`, `storedSpans`); reading and extent iteration are done here.
 */
export abstract class MappedDiskImage implements DiskImage {
  abstract readonly format: DiskFormat;
  abstract readonly virtualSize: number;
  abstract readonly logicalSectorSize: number;
  abstract readonly blockSize: number | undefined;
  abstract readonly allocatedBytes: number;

  protected constructor(protected readonly file: ImageFile) {}

  get path(): string {
    return this.file.path;
  }

  /** The longest span starting at `virtualOffset` with one mapping (stored contiguously, or zero). */
  protected abstract spanAt(virtualOffset: number): Promise<DiskSpan>;

  /** Every stored span, ascending by virtual offset, clipped to the virtual size. */
  protected abstract storedSpans(): AsyncIterable<DiskSpan>;

  async read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.virtualSize) {
      throw new RangeError(`read(${offset}, ${length}) is outside the virtual disk of ${this.virtualSize} bytes`);
    }
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const span = await this.spanAt(offset + done);
      const n = Math.min(span.length, length - done);
      if (span.fileOffset !== undefined) {
        const got = await this.file.readStructure('data block', span.fileOffset, n);
        got.copy(out, done);
      }
      done += n;
    }
    return out;
  }

  async *extents(options: DiskExtentOptions = {}): AsyncIterableIterator<DiskExtent> {
    const max = options.maxExtentBytes ?? DEFAULT_MAX_EXTENT;
    if (max <= 0 || max % 512 !== 0) throw new RangeError(`maxExtentBytes must be a positive multiple of 512, got ${max}`);
    const zero = options.skipZeroes ? Buffer.alloc(max) : undefined;
    for await (const span of this.storedSpans()) {
      for (let done = 0; done < span.length; done += max) {
        const n = Math.min(max, span.length - done);
        const data = await this.file.readStructure('data block', span.fileOffset! + done, n);
        options.onScanned?.(span.virtualOffset + done + n);
        if (zero && data.equals(zero.subarray(0, n))) continue;
        yield { offset: span.virtualOffset + done, data };
      }
    }
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
