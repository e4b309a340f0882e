import type { BlobClient } from '@azure/storage-blob';
import { readBlobVersion } from '../contracts/readBlobVersion';

/** A blob's text and the ETag of exactly that version; undefined when the blob does not exist. */
export async function readBlobText(blob: BlobClient): Promise<{ text: string; etag: string } | undefined> {
  const v = await readBlobVersion(blob);
  return v && { text: v.bytes.toString('utf8'), etag: v.etag };
}
