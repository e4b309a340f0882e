import type { DiskExtentOptions, DiskImage } from '../disk';
import { DATA_UNIT_SIZE } from '../crypto';

/** Source bytes to ship: `offset` and `data.length` are whole 4 KiB blocks (the last one zero-padded past the disk's end). */
export interface DataRun {
  offset: number;
  data: Buffer;
}

/** Largest record the agent writes: big enough to parse fast (docs/hrl-format.md), small enough to hold one in memory. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Reads `[offset, offset + length)` of the image, widened to whole blocks and zero-padded past its end. */
export async function readBlocks(image: DiskImage, offset: number, length: number): Promise<DataRun> {
  const start = offset - (offset % DATA_UNIT_SIZE);
  const end = Math.ceil((offset + length) / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
  const data = Buffer.alloc(end - start);
  const readable = Math.min(end, image.virtualSize) - start;
  if (readable > 0) (await image.read(start, readable)).copy(data);
  return { offset: start, data };
}

/** Groups ascending block indexes into runs of adjacent blocks, each at most `maxBytes`. */
export function blockRuns(blocks: readonly number[], maxBytes = MAX_RECORD_BYTES): { offset: number; length: number }[] {
  const runs: { offset: number; length: number }[] = [];
  const maxBlocks = maxBytes / DATA_UNIT_SIZE;
  let i = 0;
  while (i < blocks.length) {
    let j = i + 1;
    while (j < blocks.length && blocks[j] === blocks[j - 1] + 1 && j - i < maxBlocks) j++;
    runs.push({ offset: blocks[i] * DATA_UNIT_SIZE, length: (j - i) * DATA_UNIT_SIZE });
    i = j;
  }
  return runs;
}

/** The changed blocks' current bytes, run by run. */
export async function* changedRuns(image: DiskImage, blocks: readonly number[]): AsyncGenerator<DataRun> {
  for (const r of blockRuns(blocks)) yield await readBlocks(image, r.offset, r.length);
}

/**
 * The image's stored data from `from` on as whole-block runs: an extent that does not start or
 * end on a 4 KiB boundary (a dynamic VHD's sector bitmap, a raw image's odd tail) is widened by
 * re-reading its blocks, never overlapping what was already yielded. Flat images (raw, fixed
 * VHD, devices) are read from `from` directly; sparse ones walk their allocation map from the
 * start (reading what they store before `from` once).
 */
export async function* alignedExtents(image: DiskImage, from: number, options: DiskExtentOptions = {}): AsyncGenerator<DataRun> {
  let covered = from - (from % DATA_UNIT_SIZE);
  for await (const extent of image.format === 'raw' || image.format === 'vhd-fixed' ? flatExtents(image, covered, options) : image.extents(options)) {
    const end = extent.offset + extent.data.length;
    if (end <= covered) continue;
    const start = Math.max(extent.offset - (extent.offset % DATA_UNIT_SIZE), covered);
    const alignedEnd = Math.ceil(end / DATA_UNIT_SIZE) * DATA_UNIT_SIZE;
    yield start === extent.offset && extent.data.length % DATA_UNIT_SIZE === 0
      ? { offset: start, data: extent.data }
      : await readBlocks(image, start, alignedEnd - start);
    covered = alignedEnd;
  }
}

/** `extents()` of an image that stores every byte, starting at `from` instead of 0. */
async function* flatExtents(image: DiskImage, from: number, options: DiskExtentOptions): AsyncGenerator<{ offset: number; data: Buffer }> {
  const max = options.maxExtentBytes ?? 1024 * 1024;
  const zero = options.skipZeroes ? Buffer.alloc(max) : undefined;
  for (let at = from; at < image.virtualSize; at += max) {
    const data = await image.read(at, Math.min(max, image.virtualSize - at));
    options.onScanned?.(at + data.length);
    if (zero && data.equals(zero.subarray(0, data.length))) continue;
    yield { offset: at, data };
  }
}

/**
 * Iterates `source` with up to `depth` items requested ahead, so the next read (on libuv's
 * threads) runs while the caller works on the current item on the main thread.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 2): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < depth) queue.push(it.next());
      const r = await queue.shift()!;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await Promise.allSettled(queue);
    await it.return?.();
  }
}
