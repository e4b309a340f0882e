import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDiskImage } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';
import { QemuFormat, createImage, writePattern } from './qemu';

const MIB = 1024 * 1024;

describe('DiskImage read() and extents() match what qemu-img reads', () => {
  const dir = tempDir('asr-diskimage-');
  afterAll(() => dir.cleanup());

  it.each<[string, QemuFormat, string]>([
    ['dynamic VHD', 'vpc', 'subformat=dynamic'],
    ['VHDX', 'vhdx', 'block_size=1M'],
  ])('%s', async (_name, format, options) => {
    const input = join(dir.path, `img.${format}`);
    createImage(input, format, 6 * MIB, options);
    writePattern(input, format, [[0xab, 512, 1024], [0xcd, 2 * MIB - 4096, 8192], [0xef, 5 * MIB, 65536]]);
    const raw = join(dir.path, `img.${format}.raw`);
    execFileSync('qemu-img', ['convert', '-f', format, '-O', 'raw', input, raw]);
    const truth = readFileSync(raw);

    const image = await openDiskImage(input);
    try {
      expect(image.virtualSize).toBe(truth.length);
      // Ranges straddling allocated/unallocated blocks and sectors.
      for (const [off, len] of [[0, 4096], [2 * MIB - 6000, 12000], [5 * MIB - 512, 70000], [0, truth.length]]) {
        expect((await image.read(off, len)).equals(truth.subarray(off, off + len))).toBe(true);
      }
      const rebuilt = Buffer.alloc(truth.length);
      let last = -1;
      for await (const e of image.extents()) {
        expect(e.offset).toBeGreaterThan(last);
        last = e.offset;
        e.data.copy(rebuilt, e.offset);
      }
      expect(rebuilt.equals(truth)).toBe(true);
      await expect(image.read(truth.length - 512, 1024)).rejects.toThrow(RangeError);
    } finally {
      await image.close();
    }
  });
});
