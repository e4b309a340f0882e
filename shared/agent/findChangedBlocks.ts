import type { DiskImage } from '../disk';
import { DATA_UNIT_SIZE } from '../crypto';
import { FINGERPRINT_SIZE, writeBlockFingerprint, ZERO_BLOCK_FINGERPRINT } from './blockFingerprint';
import { DiskBlockTable } from './DiskBlockTable';

/** Bytes the scan looks at per step; a multiple of 4 KiB. */
const WINDOW = 4 * 1024 * 1024;

export interface ChangedBlocks {
  /** Indexes of 4 KiB blocks whose content differs from what was last shipped, ascending. */
  blocks: number[];
  /** Bytes read from the image (allocated data only). */
  bytesRead: number;
  /** Bytes the scan covered without reading, because the image stores nothing there. */
  bytesSkipped: number;
}

/**
 * Compares every 4 KiB block of `image` with the fingerprint the table recorded when it was
 * last shipped. Only data the image stores is read (a dynamic VHD's or VHDX's unallocated
 * blocks read as zero without I/O, and are compared with the zero fingerprint); stored data is
 * fingerprinted with two CRCs, not hashed.
 */
export async function findChangedBlocks(image: DiskImage, table: DiskBlockTable, onScanned?: (offset: number) => void): Promise<ChangedBlocks> {
  const out: ChangedBlocks = { blocks: [], bytesRead: 0, bytesSkipped: 0 };
  const fp = Buffer.alloc(FINGERPRINT_SIZE);
  const size = image.virtualSize;
  const buffer = Buffer.alloc(WINDOW);
  let window: Buffer | undefined;
  let windowStart = 0;
  let scanned = 0;

  /** Blocks in [from, to) that the image does not store: zero, compare with the zero fingerprint. */
  const skip = (from: number, to: number) => {
    for (let b = Math.ceil(from / DATA_UNIT_SIZE); b * DATA_UNIT_SIZE < to; b++) {
      if (!table.sameFingerprint(b, ZERO_BLOCK_FINGERPRINT, 0)) out.blocks.push(b);
    }
    out.bytesSkipped += to - from;
  };
  const flush = () => {
    if (!window) return;
    const end = Math.min(windowStart + WINDOW, size);
    const first = windowStart / DATA_UNIT_SIZE;
    const count = Math.ceil((end - windowStart) / DATA_UNIT_SIZE);
    for (let i = 0; i < count; i++) {
      writeBlockFingerprint(window.subarray(i * DATA_UNIT_SIZE, (i + 1) * DATA_UNIT_SIZE), fp, 0);
      if (!table.sameFingerprint(first + i, fp, 0)) out.blocks.push(first + i);
    }
    scanned = end;
    window = undefined;
    onScanned?.(scanned);
  };

  for await (const extent of image.extents({ maxExtentBytes: WINDOW })) {
    out.bytesRead += extent.data.length;
    let at = extent.offset;
    let data = extent.data;
    while (data.length > 0) {
      const start = at - (at % WINDOW);
      if (!window || start !== windowStart) {
        flush();
        if (start > scanned) skip(scanned, start);
        window = buffer.fill(0);
        windowStart = start;
      }
      const n = Math.min(data.length, start + WINDOW - at);
      data.copy(window, at - start, 0, n);
      at += n;
      data = data.subarray(n);
    }
  }
  flush();
  if (scanned < size) skip(scanned, size);
  onScanned?.(size);
  return out;
}
