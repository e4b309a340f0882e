import { open, FileHandle } from 'node:fs/promises';
import { CorruptFormatError, ServiceError } from '../../errors';

/**
 * A disk image file opened for random reads. Every structured read names what it reads so a
 * short file becomes a `CorruptFormatError` ("truncated") at the right structure and offset.
 */
export class ImageFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** File size in bytes when opened. */
    readonly size: number,
  ) {}

  static async open(path: string): Promise<ImageFile> {
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ServiceError('InputNotFound', `${path} does not exist`, { cause: err });
      throw err;
    });
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new ServiceError('InputNotAFile', `${path} is not a regular file`);
      return new ImageFile(path, handle, st.size);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Reads what exists of `[offset, offset + length)`; the result is shorter at end of file. */
  async readUpTo(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(Math.max(0, Math.min(length, this.size - offset)));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await this.handle.read(buf, done, buf.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }

  /** Reads exactly `length` bytes of `structure` at `offset`, or fails as truncated. */
  async readStructure(structure: string, offset: number, length: number): Promise<Buffer> {
    const buf = offset >= 0 ? await this.readUpTo(offset, length) : Buffer.alloc(0);
    if (buf.length !== length) {
      throw new CorruptFormatError(
        { structure, field: 'extent', offset, expected: `${length} bytes`, actual: `${buf.length} bytes (file is ${this.size} bytes)` },
        'file is truncated',
      );
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
