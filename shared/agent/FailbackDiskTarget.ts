import { constants } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FAILBACK_DIGEST_BYTES } from '../contracts/FailbackTransfers';
import { DATA_UNIT_SIZE } from '../crypto';
import type { FailbackDigester } from '../integrity';
import { ServiceError } from '../errors';
import { openSourceDisk } from './BlockDeviceImage';
import { openSparseImageWriter } from '../disk';
import { syncDir } from './failbackJournal';

/** Formats whose virtual byte `o` is file byte `o`: written with plain positioned writes. */
const FLAT_FORMATS = new Set(['raw', 'vhd-fixed']);
/** Sparse formats written in place by shared/disk's SparseImageWriter (blocks allocated at the end). */
const SPARSE_FORMATS = new Set(['vhdx', 'vhd-dynamic']);

/** How bytes reach the file: positioned writes, or a sparse image's block tables. */
interface BlockSink {
  write(offset: number, data: Buffer): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where a failback writes one disk's blocks: the protected disk itself, in place (raw, fixed
 * VHD and block devices by offset, the fixed VHD's footer past the data left alone; VHDX and
 * dynamic VHD through their block tables), or for CreateVmIfNotFound a new raw file, made as
 * `{path}.partial` and renamed to `{path}` only once whole, flushed and verified, so a half-made
 * disk never carries the final name.
 */
export class FailbackDiskTarget {
  private constructor(private readonly sink: BlockSink, readonly path: string, readonly virtualSize: number, private readonly partial?: string) {}

  /** Checks, before anything is journaled, that a disk at `path` can take a failback in place. */
  static async assertWritable(path: string, virtualSize: number): Promise<string> {
    const image = await openSourceDisk(path);
    try {
      if (!FLAT_FORMATS.has(image.format) && !SPARSE_FORMATS.has(image.format)) {
        throw new ServiceError('FailbackFormatUnsupported', `${path} is a ${image.format} image, which a failback cannot write in place; fail back to an alternate location (CreateVmIfNotFound)`);
      }
      if (image.virtualSize !== virtualSize) {
        throw new ServiceError('FailbackDiskSizeMismatch', `${path} is ${image.virtualSize} bytes, the recovered disk ${virtualSize}`);
      }
      return image.format;
    } finally {
      await image.close();
    }
  }

  static async open(path: string, virtualSize: number, create: boolean): Promise<FailbackDiskTarget> {
    if (create && !(await exists(path))) {
      const partial = `${path}.partial`;
      const handle = await open(partial, constants.O_RDWR | constants.O_CREAT, 0o600);
      if ((await handle.stat()).size !== virtualSize) await handle.truncate(virtualSize);
      return new FailbackDiskTarget(flatSink(handle, virtualSize), path, virtualSize, partial);
    }
    const format = await FailbackDiskTarget.assertWritable(path, virtualSize);
    const sink = SPARSE_FORMATS.has(format) ? await openSparseImageWriter(path) : flatSink(await open(path, constants.O_RDWR), virtualSize);
    return new FailbackDiskTarget(sink, path, virtualSize);
  }

  /** Writes `data` at virtual `offset`, cut at the disk's end (a partial last block's padding is not disk data). */
  write(offset: number, data: Buffer): Promise<void> {
    return this.sink.write(offset, data);
  }

  /** Makes every write durable (a sparse image's tables after its data). */
  sync(): Promise<void> {
    return this.sink.sync();
  }

  /** The file as written so far, to read back through the image reader (after {@link sync}). */
  get writtenPath(): string {
    return this.partial ?? this.path;
  }

  /** Flushes, closes, and gives a new file its final name. */
  async finish(): Promise<void> {
    await this.sink.sync();
    await this.sink.close();
    if (this.partial) {
      await rename(this.partial, this.path);
      await syncDir(dirname(this.path));
    }
  }

  async close(): Promise<void> {
    await this.sink.close().catch(() => undefined);
  }
}

function flatSink(handle: FileHandle, virtualSize: number): BlockSink {
  return {
    async write(offset, data) {
      const n = Math.min(data.length, virtualSize - offset);
      for (let done = 0; done < n;) done += (await handle.write(data, done, n - done, offset + done)).bytesWritten;
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
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
