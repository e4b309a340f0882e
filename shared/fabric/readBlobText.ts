import type { BlobClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';

/** A blob's text and the ETag of exactly that version; undefined when the blob does not exist. */
export async function readBlobText(blob: BlobClient): Promise<{ text: string; etag: string } | undefined> {
  try {
    const r = await blob.download();
    const chunks: Buffer[] = [];
    for await (const c of r.readableStreamBody as NodeJS.ReadableStream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return { text: Buffer.concat(chunks).toString('utf8'), etag: r.etag! };
  } catch (e) {
    if (e instanceof RestError && e.statusCode === 404) return undefined;
    throw e;
  }
}
