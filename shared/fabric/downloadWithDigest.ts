import { open } from 'node:fs/promises';
import type { PageBlobClient } from '@azure/storage-blob';
import { digestOfStream } from '../integrity';

/**
 * Downloads the first `fileBytes` of a page blob to `file` (created, never appended to) and
 * returns the Merkle digest (hex) of its first `dataBytes` (≤ `fileBytes`), taken from the same
 * bytes as they are written: one read of the blob gives the copy and its check.
 */
export async function downloadWithDigest(blob: PageBlobClient, file: string, fileBytes: number, dataBytes: number): Promise<string> {
  const out = await open(file, 'wx');
  try {
    const body = (await blob.download(0, fileBytes)).readableStreamBody as unknown as AsyncIterable<Uint8Array>;
    let written = 0;
    async function* toFile(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        for (let at = 0; at < chunk.length;) at += (await out.write(chunk, at, chunk.length - at, written + at)).bytesWritten;
        const covered = Math.max(0, Math.min(chunk.length, dataBytes - written));
        written += chunk.length;
        if (covered > 0) yield chunk.subarray(0, covered);
      }
      if (written !== fileBytes) throw new RangeError(`the download of ${blob.name} gave ${written} bytes, expected ${fileBytes}`);
    }
    return (await digestOfStream(toFile(), dataBytes)).toString('hex');
  } finally {
    await out.close();
  }
}
