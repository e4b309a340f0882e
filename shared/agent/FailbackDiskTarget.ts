import { constants } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FAILBACK_DIGEST_BYTES } from '../contracts/FailbackTransfers';
import { DATA_UNIT_SIZE } from '../crypto';
import type { FailbackDigester } from '../integrity';
import { ServiceError } from '../errors';
import { openSourceDisk } from './BlockDeviceImage';
import { syncDir } from './failbackJournal';

/** Formats whose virtual byte `o` is file byte `o`: a failback writes them in place. */
const FLAT_FORMATS = new Set(['raw', 'vhd-fixed']);

/**
 * Where a failback writes one disk's blocks: the protected file itself (raw, fixed VHD or block
 * device: virtual offsets are file offsets; a fixed VHD's footer lies past the data and is left
 * alone), or for CreateVmIfNotFound a new raw file, made as `{path}.partial` and renamed to
 * `{path}` only once whole and flushed, so a half-made disk never carries the final name.
 */
export class FailbackDiskTarget {
  private constructor(private readonly handle: FileHandle, readonly path: string, readonly virtualSize: number, private readonly partial?: string) {}

  /** Checks, before anything is journaled, that a disk at `path` can take a failback in place. */
  static async assertWritable(path: string, virtualSize: number): Promise<void> {
    const image = await openSourceDisk(path);
    try {
      if (!FLAT_FORMATS.has(image.format)) {
        throw new ServiceError('FailbackFormatUnsupported', `${path} is a ${image.format} image: a failback writes raw, fixed VHD and block-device disks in place; fail back to an alternate location (CreateVmIfNotFound) and convert, or convert the disk to fixed VHD first (asr disk convert)`);
      }
      if (image.virtualSize !== virtualSize) {
        throw new ServiceError('FailbackDiskSizeMismatch', `${path} is ${image.virtualSize} bytes, the recovered disk ${virtualSize}`);
      }
    } finally {
      await image.close();
    }
  }

  static async open(path: string, virtualSize: number, create: boolean): Promise<FailbackDiskTarget> {
    if (create && !(await exists(path))) {
      const partial = `${path}.partial`;
      const handle = await open(partial, constants.O_RDWR | constants.O_CREAT, 0o600);
      if ((await handle.stat()).size !== virtualSize) await handle.truncate(virtualSize);
      return new FailbackDiskTarget(handle, path, virtualSize, partial);
    }
    await FailbackDiskTarget.assertWritable(path, virtualSize);
    return new FailbackDiskTarget(await open(path, constants.O_RDWR), path, virtualSize);
  }

  /** Writes `data` at virtual `offset`, cut at the disk's end (a partial last block's padding is not disk data). */
  async write(offset: number, data: Buffer): Promise<void> {
    const n = Math.min(data.length, this.virtualSize - offset);
    for (let done = 0; done < n;) {
      const { bytesWritten } = await this.handle.write(data, done, n - done, offset + done);
      done += bytesWritten;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    const n = Math.max(0, Math.min(length, this.virtualSize - offset));
    for (let done = 0; done < n;) {
      const { bytesRead } = await this.handle.read(out, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return out;
  }

  /** Flushes the data, closes, and gives a new file its final name. */
  async finish(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    if (this.partial) {
      await rename(this.partial, this.path);
      await syncDir(dirname(this.path));
    }
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false;
    throw err;
  });
}

/** Bytes one digest read takes. */
const READ_BYTES = 4 * 1024 * 1024;

/** The failback digests of the disk at `path` (any format the agent reads), 32 bytes per 4 KiB block. */
export async function sourceDiskDigests(path: string, virtualSize: number, digester: FailbackDigester): Promise<Buffer> {
  const image = await openSourceDisk(path);
  try {
    if (image.virtualSize !== virtualSize) {
      throw new ServiceError('FailbackDiskSizeMismatch', `${path} is ${image.virtualSize} bytes, the recovered disk ${virtualSize}: a resized disk cannot fail back in place (use an alternate location)`);
    }
    const blocks = Math.ceil(virtualSize / DATA_UNIT_SIZE);
    const out = Buffer.alloc(blocks * FAILBACK_DIGEST_BYTES);
    const zero = Buffer.alloc(READ_BYTES);
    for (let at = 0; at < virtualSize; at += READ_BYTES) {
      const data = await image.read(at, Math.min(READ_BYTES, virtualSize - at));
      const first = at / DATA_UNIT_SIZE;
      if (!digester.keyed && data.equals(zero.subarray(0, data.length))) {
        for (let b = first; b * DATA_UNIT_SIZE < at + data.length; b++) digester.zero(b).copy(out, b * FAILBACK_DIGEST_BYTES);
      } else {
        digester.digestRun(first, data, out);
      }
    }
    return out;
  } finally {
    await image.close();
  }
}
