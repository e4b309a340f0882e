import { open, FileHandle, readFile, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { DiskExtent, DiskExtentOptions, DiskImage, openDiskImage } from '../disk';
import { ServiceError } from '../errors';

const DEFAULT_EXTENT = 1024 * 1024;

/**
 * A Linux block device (a disk, partition, LV, loop or dm device) read as a raw disk. Its size
 * and logical sector size come from sysfs (`/sys/class/block/{dev}/size` counts 512-byte
 * sectors), since `stat` reports 0 bytes for a device. Every byte counts as stored.
 */
export class BlockDeviceImage implements DiskImage {
  readonly format = 'raw' as const;
  readonly blockSize = undefined;

  private constructor(readonly path: string, private readonly handle: FileHandle, readonly virtualSize: number, readonly logicalSectorSize: number) {}

  static async open(path: string): Promise<BlockDeviceImage> {
    const dev = basename(await realpath(path));
    const sysfs = `/sys/class/block/${dev}`;
    const sectors = Number((await readFile(`${sysfs}/size`, 'utf8')).trim());
    const queue = await readFile(`${sysfs}/queue/logical_block_size`, 'utf8').catch(async () => readFile(`/sys/class/block/${await parentOf(sysfs)}/queue/logical_block_size`, 'utf8'));
    const handle = await open(path, 'r');
    return new BlockDeviceImage(path, handle, sectors * 512, Number(queue.trim()) || 512);
  }

  get allocatedBytes(): number {
    return this.virtualSize;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    const n = Math.max(0, Math.min(length, this.virtualSize - offset));
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(out, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return out;
  }

  async *extents(options: DiskExtentOptions = {}): AsyncIterableIterator<DiskExtent> {
    const max = options.maxExtentBytes ?? DEFAULT_EXTENT;
    const zero = options.skipZeroes ? Buffer.alloc(max) : undefined;
    for (let at = 0; at < this.virtualSize; at += max) {
      const data = await this.read(at, Math.min(max, this.virtualSize - at));
      options.onScanned?.(at + data.length);
      if (zero && data.equals(zero.subarray(0, data.length))) continue;
      yield { offset: at, data };
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** A partition's sysfs entry has no queue/ of its own; its parent disk's does. */
async function parentOf(sysfs: string): Promise<string> {
  return basename(await realpath(`${sysfs}/..`));
}

/** Opens what the agent protects: a disk image file of any format shared/disk reads, or a block device. */
export async function openSourceDisk(path: string): Promise<DiskImage> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new ServiceError('InputNotFound', `${path} does not exist`, { cause: err });
    throw err;
  });
  if (st.isBlockDevice()) return BlockDeviceImage.open(path);
  return openDiskImage(path);
}
