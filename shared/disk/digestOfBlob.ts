import type { PageBlobClient } from '@azure/storage-blob';
import { digestOfStream } from '../integrity';

/** Merkle digest (hex) of the first `dataBytes` of a page blob, streamed. */
export async function digestOfBlob(blob: PageBlobClient, dataBytes: number): Promise<string> {
  const r = await blob.download(0, dataBytes);
  return (await digestOfStream(r.readableStreamBody as unknown as AsyncIterable<Uint8Array>, dataBytes)).toString('hex');
}
