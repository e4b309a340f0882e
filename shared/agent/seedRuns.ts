import type { DiskImage } from '../disk';
import { DATA_UNIT_SIZE } from '../crypto';
import { alignedExtents, DataRun } from './DataRun';

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
 * and zero blocks never travel: the replica starts as zeros.
 */
export async function* seedRuns(image: DiskImage, cursor: SeedCursor, limitBytes: number, onScanned?: (offset: number) => void): AsyncGenerator<DataRun> {
  let yielded = 0;
  for await (const run of alignedExtents(image, cursor.reached, { skipZeroes: true, maxExtentBytes: 1024 * 1024, onScanned })) {
    for (const piece of nonZeroRuns(run)) {
      yield piece;
      yielded += piece.data.length;
    }
    cursor.reached = run.offset + run.data.length;
    if (yielded >= limitBytes) return;
  }
  cursor.reached = image.virtualSize;
  cursor.finished = true;
}
