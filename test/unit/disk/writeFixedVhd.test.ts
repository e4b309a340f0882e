import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DiskExtent, DiskImage, writeFixedVhd } from '../../../shared/disk';
import { CorruptFormatError } from '../../../shared/errors';
import { tempDir } from '../../support/tempDir';

/** An image whose second extent is unreadable, as a damaged block found midway would be. */
function failingImage(): DiskImage {
  return {
    format: 'raw', path: 'mem', virtualSize: 4 * 2 ** 20, logicalSectorSize: 512, blockSize: undefined, allocatedBytes: 4 * 2 ** 20,
    async *extents(): AsyncIterableIterator<DiskExtent> {
      yield { offset: 0, data: Buffer.alloc(4096, 1) };
      throw new CorruptFormatError({ structure: 'data block', field: 'extent', offset: 8192 }, 'file is truncated');
    },
    read: async () => Buffer.alloc(0),
    close: async () => undefined,
  };
}

describe('writeFixedVhd', () => {
  const dir = tempDir('asr-write-vhd-');
  afterAll(() => dir.cleanup());

  it('leaves no output and no temporary file when reading fails midway', async () => {
    const out = join(dir.path, 'out.vhd');
    await expect(writeFixedVhd(failingImage(), out)).rejects.toThrow(/corrupt: data block extent at offset 8192/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
