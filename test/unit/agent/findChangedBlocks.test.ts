import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DiskBlockTable, FINGERPRINT_SIZE, findChangedBlocks, writeBlockFingerprint } from '../../../shared/agent';
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
