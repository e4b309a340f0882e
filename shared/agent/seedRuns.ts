import type { DiskImage } from '../disk';
import { DATA_UNIT_SIZE } from '../crypto';
import { DataRun, readBlocks } from './DataRun';

/** Where a seed stands: shipped everything stored below `reached`; `finished` once the disk's end is reached. */
export interface SeedCursor {
  reached: number;
  finished: boolean;
}

const ZERO_BLOCK = Buffer.alloc(DATA_UNIT_SIZE);

/** The runs of non-zero 4 KiB blocks inside `run` (views, not copies): a zero block is already zero on the replica. */
export function* nonZeroRuns(run: DataRun): Generator<DataRun> {
  let from = -1;
  for (let at = 0; at <= run.data.length; at += DATA_UNIT_SIZE) {
    const zero = at === run.data.length || run.data.subarray(at, at + DATA_UNIT_SIZE).equals(ZERO_BLOCK);
    if (!zero && from < 0) from = at;
    if (zero && from >= 0) {
      yield { offset: run.offset + from, data: run.data.subarray(from, at) };
      from = -1;
    }
  }
}

/**
 * The stored, non-zero 4 KiB blocks of `image` from `cursor.reached` on, in runs, until
 * about `limitBytes` have been yielded; advances the cursor as it goes. Unallocated ranges
 * (and zero pieces) never travel: the replica starts as zeros. A piece that does not start or
 * end on a block boundary (a dynamic VHD's sector bitmap can do that) is widened by re-reading
 * its blocks, never overlapping what was already yielded.
 */
export async function* seedRuns(image: DiskImage, cursor: SeedCursor, limitBytes: number, onScanned?: (offset: number) => void): AsyncGenerator<DataRun> {
  let yielded = 0;
  let shippedUpTo = cursor.reached;
  const extents = image.extents({ skipZeroes: true, maxExtentBytes: 1024 * 1024, onScanned });
  for await (const extent of extents) {
    const end = extent.offset + extent.data.length;
    if (end <= shippedUpTo) continue;
    const start = Math.max(extent.offset - (extent.offset % DATA_UNIT_SIZE), shippedUpTo);
    const alignedEnd = Math.ceil(end / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
    const run = start === extent.offset && extent.data.length % DATA_UNIT_SIZE === 0
      ? { offset: start, data: extent.data }
      : await readBlocks(image, start, alignedEnd - start);
    for (const piece of nonZeroRuns(run)) {
      yield piece;
      yielded += piece.data.length;
    }
    shippedUpTo = alignedEnd;
    cursor.reached = alignedEnd;
    if (yielded >= limitBytes) {
      return;
    }
  }
  cursor.reached = image.virtualSize;
  cursor.finished = true;
}
