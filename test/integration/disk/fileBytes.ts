import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';

/** Test helpers: read and patch bytes of an image file in place. */

export function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The last 512 bytes: where a VHD keeps its footer. */
export function readTail512(path: string): Buffer {
  return readAt(path, statSync(path).size - 512, 512);
}

export function writeAt(path: string, offset: number, data: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}
