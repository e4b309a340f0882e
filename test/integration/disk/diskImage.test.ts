import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDiskImage } from '../../../shared/disk';
import { tempDir } from '../../support/tempDir';
import { readAt, writeAt } from './fileBytes';
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

  it('a dynamic VHD sector whose bitmap bit is clear reads as zero (MSB-first bitmap)', async () => {
    const input = join(dir.path, 'bitmap.vhd');
    createImage(input, 'vpc', 4 * MIB, 'subformat=dynamic');
    writePattern(input, 'vpc', [[0xab, 0, 8 * 512]]);
    // Block 0's bitmap sits at the sector its BAT entry names; clear the bit of sector 2,
    // which is bit 0x20 of the first byte when bits are numbered from the most significant.
    const bat = Number(readAt(input, 512 + 16, 8).readBigUInt64BE(0));
    const bitmapAt = readAt(input, bat, 4).readUInt32BE(0) * 512;
    expect(readAt(input, bitmapAt, 1)[0]).toBe(0xff);
    writeAt(input, bitmapAt, Buffer.from([0xff & ~0x20]));
    const image = await openDiskImage(input);
    try {
      const data = await image.read(0, 8 * 512);
      expect(data.subarray(2 * 512, 3 * 512).equals(Buffer.alloc(512))).toBe(true);
      expect(data.subarray(0, 2 * 512).equals(Buffer.alloc(1024, 0xab))).toBe(true);
      expect(data.subarray(3 * 512).equals(Buffer.alloc(5 * 512, 0xab))).toBe(true);
      const extents = [];
      for await (const e of image.extents()) if (e.offset < 8 * 512) extents.push([e.offset, e.data.length]);
      expect(extents.slice(0, 2)).toEqual([[0, 1024], [1536, expect.any(Number)]]);
    } finally {
      await image.close();
    }
  });
});
