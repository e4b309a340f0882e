import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataRun, SeedSource } from '../../../shared/agent';
import { DiskImage, openDiskImage } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';

const K = 4096;
const MiB = 1024 * 1024;

async function drain(it: AsyncIterable<DataRun>): Promise<DataRun[]> {
  const out: DataRun[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Blocks covered by runs, as [first block, block count] pairs. */
const blocksOf = (runs: DataRun[]) => runs.map((r) => [r.offset / K, r.data.length / K]);

describe('SeedSource', () => {
  const dir = tempDir('agent-seed-src-');
  afterAll(() => dir.cleanup());

  it('hands out every non-zero block once, in seed logs of about the limit, and resumes from a checkpoint', async () => {
    const path = join(dir.path, 'disk.raw');
    const data = Buffer.alloc(4 * MiB);
    for (const b of [0, 1, 2, 300, 301, 700, 1023]) data.fill(b % 250 + 1, b * K, (b + 1) * K);
    writeFileSync(path, data);

    const image: DiskImage = await openDiskImage(path);
    const seed = new SeedSource(image, 0);
    const first = await drain(seed.next(2 * K));
    expect(blocksOf(first)).toEqual([[0, 3]]);
    expect(seed.done).toBe(false);
    const checkpoint = seed.reached;
    expect(checkpoint).toBe(3 * K);
    const second = await drain(seed.next(2 * K));
    expect(blocksOf(second)).toEqual([[300, 2]]);
    const rest = await drain(seed.next(64 * MiB));
    expect(blocksOf(rest)).toEqual([[700, 1], [1023, 1]]);
    expect(seed.done).toBe(true);
    await seed.close();

    // A new process resumes at the checkpoint: what follows it, nothing before it.
    const scanned: number[] = [];
    const resumed = new SeedSource(await openDiskImage(path), checkpoint, (at) => scanned.push(at));
    expect(blocksOf(await drain(resumed.next(64 * MiB)))).toEqual([[300, 2], [700, 1], [1023, 1]]);
    expect(Math.min(...scanned)).toBeGreaterThan(checkpoint); // a flat image is read from the checkpoint on
    await resumed.close();
  });

  it('reads a sparse VHDX only where it stores data', async () => {
    const path = join(dir.path, 'sparse.vhdx');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vhdx', '-o', 'block_size=1M', path, String(64 * MiB)]);
    execFileSync('qemu-io', ['-f', 'vhdx', '-c', 'write -P 0x7 10M 8k', '-c', 'write -P 0x8 50M 4k', path]);
    const seed = new SeedSource(await openDiskImage(path), 0);
    expect(blocksOf(await drain(seed.next(64 * MiB)))).toEqual([[(10 * MiB) / K, 2], [(50 * MiB) / K, 1]]);
    await seed.close();
  });
});
