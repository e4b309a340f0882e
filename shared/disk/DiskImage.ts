/** The image formats `openDiskImage` recognises. */
export type DiskFormat = 'raw' | 'vhd-fixed' | 'vhd-dynamic' | 'vhdx';

/** A run of virtual-disk bytes that the image stores; everything outside reads as zero. */
export interface DiskExtent {
  /** Byte offset in the virtual disk. */
  offset: number;
  data: Buffer;
}

export interface DiskExtentOptions {
  /**
   * Leave out pieces that are stored but all zero (a raw image stores every byte; a
   * pre-zeroed target does not need them). Default false.
   */
  skipZeroes?: boolean;
  /** Largest `data` buffer yielded; default 1 MiB. Multiple of 512. */
  maxExtentBytes?: number;
  /**
   * Called with the virtual offset reached after each piece read, yielded or skipped, so
   * progress moves through long zero runs that yield nothing.
   */
  onScanned?(virtualOffset: number): void;
}

/**
 * A read-only virtual disk behind an image file of any supported format. Obtain one with
 * `openDiskImage`, `close()` it when done.
 */
export interface DiskImage {
  readonly format: DiskFormat;
  /** The path it was opened from. */
  readonly path: string;
  /** Size of the virtual disk in bytes. */
  readonly virtualSize: number;
  /** Logical sector size in bytes (512 unless a VHDX says 4096). */
  readonly logicalSectorSize: number;
  /** Allocation unit of a sparse format (dynamic VHD, VHDX); undefined for raw and fixed VHD. */
  readonly blockSize: number | undefined;
  /** Bytes of the virtual disk that the image backs with stored data (allocated blocks or sectors). */
  readonly allocatedBytes: number;
  /** Stored data in ascending offset order; unallocated ranges never travel. */
  extents(options?: DiskExtentOptions): AsyncIterableIterator<DiskExtent>;
  /** Reads `[offset, offset + length)` of the virtual disk; unallocated ranges read as zero. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}
