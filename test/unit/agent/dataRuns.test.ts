import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockRuns, nonZeroRuns, readAhead, readBlocks } from '../../../shared/agent';
import { openDiskImage } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';

const K = 4096;

describe('runs of blocks', () => {
  const dir = tempDir('agent-runs-');
  afterAll(() => dir.cleanup());

  it('joins adjacent changed blocks into records, cut at the record limit', () => {
    expect(blockRuns([0, 1, 2, 5, 7, 8])).toEqual([
      { offset: 0, length: 3 * K }, { offset: 5 * K, length: K }, { offset: 7 * K, length: 2 * K },
    ]);
    expect(blockRuns([0, 1, 2, 3, 4], 2 * K)).toEqual([
      { offset: 0, length: 2 * K }, { offset: 2 * K, length: 2 * K }, { offset: 4 * K, length: K },
    ]);
    expect(blockRuns([])).toEqual([]);
  });

  it('drops zero blocks from a run (they are already zero on the replica)', () => {
    const data = Buffer.alloc(5 * K);
    data[K] = 1;
    data[3 * K + 7] = 1;
    data[4 * K] = 1;
    const runs = [...nonZeroRuns({ offset: 8 * K, data })].map((r) => [r.offset / K, r.data.length / K]);
    expect(runs).toEqual([[9, 1], [11, 2]]);
  });

  it('widens a read to whole blocks and pads past the end of an odd-sized disk with zeros', async () => {
    const path = join(dir.path, 'odd.raw');
    writeFileSync(path, Buffer.alloc(K + 100, 0xee));
    const image = await openDiskImage(path);
    try {
      const run = await readBlocks(image, K + 10, 20);
      expect(run.offset).toBe(K);
      expect(run.data.length).toBe(K);
      expect(run.data.subarray(0, 100).every((b) => b === 0xee)).toBe(true);
      expect(run.data.subarray(100).every((b) => b === 0)).toBe(true);
    } finally {
      await image.close();
    }
  });

  it('reads ahead without reordering and stops its source when the consumer stops', async () => {
    let produced = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 10; i++) {
          produced++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    for await (const v of readAhead(source(), 3)) {
      seen.push(v);
      if (v === 4) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(produced).toBeLessThanOrEqual(8);
    expect(closed).toBe(true);
  });
});
