import type { BlobClient } from '@azure/storage-blob';

/** One version of a blob: its bytes and the ETag of exactly those bytes. */
export interface BlobVersion {
  bytes: Buffer;
  etag: string;
}

/**
 * Reads a blob with one GET; undefined when it does not exist. Not `downloadToBuffer()`: that
 * asks for the size first and the bytes after, so a blob overwritten between the two comes back
 * cut or padded (CI saw a failback request that was no longer JSON), and not a download followed
 * by Get Properties, whose ETag may belong to a newer version than the bytes read.
 */
export async function readBlobVersion(blob: BlobClient): Promise<BlobVersion | undefined> {
  try {
    const r = await blob.download();
    const chunks: Buffer[] = [];
    for await (const c of r.readableStreamBody as NodeJS.ReadableStream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return { bytes: Buffer.concat(chunks), etag: r.etag! };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
