import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DiskBlockTable, FINGERPRINT_SIZE, findChangedBlocks, findChangedBlocksIn, writeBlockFingerprint } from '../../../shared/agent';
import { DiskImage, openDiskImage } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';

const K = 4096;
const MiB = 1024 * 1024;

/** The table a seed of `image` leaves: every block's fingerprint recorded. */
async function seededTable(image: DiskImage): Promise<DiskBlockTable> {
  const table = DiskBlockTable.empty(image.virtualSize);
  const fp = Buffer.alloc(FINGERPRINT_SIZE);
  for (const b of (await findChangedBlocks(image, table)).blocks) {
    const block = Buffer.alloc(K);
    (await image.read(b * K, Math.min(K, image.virtualSize - b * K))).copy(block);
    writeBlockFingerprint(block, fp, 0);
    table.record(b, fp, 0, Buffer.alloc(32));
  }
  return table;
}

async function withImage<T>(path: string, use: (image: DiskImage) => Promise<T>): Promise<T> {
  const image = await openDiskImage(path);
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}

function pwrite(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, data, 0, data.length, offset);
  closeSync(fd);
}

describe('findChangedBlocks', () => {
  const dir = tempDir('agent-scan-');
  afterAll(() => dir.cleanup());

  it('finds exactly the blocks written since the table was recorded, including one zeroed and the odd tail', async () => {
    const path = join(dir.path, 'odd.raw');
    writeFileSync(path, Buffer.alloc(10 * K + 512, 0x33));
    const table = await withImage(path, seededTable);
    expect((await withImage(path, (i) => findChangedBlocks(i, table))).blocks).toEqual([]);
    pwrite(path, 3 * K + 100, Buffer.from('x'));
    pwrite(path, 6 * K, Buffer.alloc(K)); // zeroed: must ship, the replica still has 0x33 there
    pwrite(path, 10 * K + 1, Buffer.from('y')); // the partial last block
    const found = await withImage(path, (i) => findChangedBlocks(i, table));
    expect(found.blocks).toEqual([3, 6, 10]);
  });

  it('reads only what a VHDX stores, and still sees a block the image no longer stores', async () => {
    const path = join(dir.path, 'sparse.vhdx');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vhdx', '-o', 'block_size=1M', path, String(256 * MiB)]);
    execFileSync('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0x44 8M 8k', '-c', 'write -P 0x45 200M 4k', path]);
    const table = await withImage(path, seededTable);
    execFileSync('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0x46 200M 4k', '-c', 'write -P 0x47 100M 4k', path]);
    const found = await withImage(path, (i) => findChangedBlocks(i, table));
    expect(found.blocks).toEqual([(100 * MiB) / K, (200 * MiB) / K]);
    expect(found.bytesRead).toBe(3 * MiB); // three allocated 1 MiB blocks of 256 MiB
    expect(found.bytesSkipped).toBe(256 * MiB - 3 * MiB);

    // A table that says the replica holds data where the image now stores nothing: that block must ship as zeros.
    const stale = DiskBlockTable.empty(256 * MiB);
    stale.record(5, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, Buffer.alloc(32));
    const withStale = await withImage(path, (i) => findChangedBlocks(i, stale));
    expect(withStale.blocks).toContain(5);
  });
});

describe('findChangedBlocksIn', () => {
  const dir = tempDir('agent-ranges-');
  afterAll(() => dir.cleanup());

  it('keeps several reads in flight, answered in any order, and compares each block of the ranges once, in order', async () => {
    const path = join(dir.path, 'ranges.raw');
    writeFileSync(path, Buffer.alloc(20 * MiB, 0x33));
    const table = await withImage(path, seededTable);
    const changed = [1, 7, 8, 300, 301, 2000, 5119];
    for (const b of changed) pwrite(path, b * K, Buffer.alloc(K, 0x51));
    pwrite(path, 4096 * K, Buffer.alloc(K, 0x52)); // changed but outside the ranges: not reported
    // Scattered blocks, overlapping ranges, one range longer than 4 MiB (read in two pieces), one of a single byte.
    const ranges = [
      { offset: K, length: 100 }, { offset: 7 * K, length: 2 * K }, { offset: 8 * K, length: K },
      { offset: 200 * K, length: 4 * MiB + 8 * K }, { offset: 2000 * K + 10, length: 1 }, { offset: 5119 * K, length: K },
    ];
    const found = await withImage(path, async (image) => {
      let inFlight = 0;
      let most = 0;
      const slow: DiskImage = Object.assign(Object.create(image) as DiskImage, {
        read: async (offset: number, length: number) => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5)));
          inFlight--;
          return image.read(offset, length);
        },
      });
      const r = await findChangedBlocksIn(slow, table, ranges);
      return { ...r, most };
    });
    expect(found.blocks).toEqual(changed);
    expect(found.bytesRead).toBe((1 + 2 + 1032 + 1 + 1) * K); // blocks 1, 7–8 (8 not twice), 200–1231, 2000, 5119
    expect(found.most).toBeGreaterThan(1);
    expect(found.most).toBeLessThanOrEqual(32);
  });
});
