import type { DiskImage } from '../disk';
import { DATA_UNIT_SIZE } from '../crypto';
import { alignedExtents, DataRun } from './DataRun';

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

async function* nonZeroFrom(image: DiskImage, from: number, onScanned?: (offset: number) => void): AsyncGenerator<DataRun> {
  for await (const run of alignedExtents(image, from, { skipZeroes: true, maxExtentBytes: 1024 * 1024, onScanned })) yield* nonZeroRuns(run);
}

/**
 * One disk's seed: its stored, non-zero 4 KiB blocks from an offset on, handed out one seed log
 * at a time from a single pass over the image (unallocated ranges and zero blocks never travel:
 * the replica starts as zeros). `reached` is where the next seed log starts, for the checkpoint.
 */
export class SeedSource {
  private readonly runs: AsyncIterator<DataRun>;
  private finished = false;
  reached: number;

  constructor(readonly image: DiskImage, from: number, onScanned?: (offset: number) => void) {
    this.reached = from;
    this.runs = nonZeroFrom(image, from, onScanned)[Symbol.asyncIterator]();
  }

  /** True once the last run was handed out. */
  get done(): boolean {
    return this.finished;
  }

  /** The runs of the next seed log: about `limitBytes` of them (whole runs), fewer at the end. */
  async *next(limitBytes: number): AsyncGenerator<DataRun> {
    let yielded = 0;
    while (yielded < limitBytes) {
      const r = await this.runs.next();
      if (r.done) {
        this.finished = true;
        this.reached = this.image.virtualSize;
        return;
      }
      yield r.value;
      yielded += r.value.data.length;
      this.reached = r.value.offset + r.value.data.length;
    }
  }

  async close(): Promise<void> {
    await this.runs.return?.(undefined);
    await this.image.close();
  }
}
