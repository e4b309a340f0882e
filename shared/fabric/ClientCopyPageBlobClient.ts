import { BlobServiceClient, PageBlobClient } from '@azure/storage-blob';
import { PageBlobWriter } from '../disk';
import { writtenRanges } from '../replication';

const CHUNK = 4 * 1024 * 1024;

/**
 * A page blob target whose `beginCopyFromURL` copies through the client (read the source's
 * written ranges, Put Page them here) instead of asking the service to copy.
 *
 * WARNING: why it exists. Azurite 3.35's `LokiBlobMetadataStore.startCopyFromURL` gives the copy
 * the source's `pageRangesInOrder` array by reference, so every later Put Page on the copy also
 * lands in the source: materialising a disk and replaying the journal onto it (or decrypting it
 * in place) silently rewrote the recovery point snapshot it was copied from (measured: a page
 * written to a copy of a snapshot reads back from the snapshot). The local fabric runs on Azurite,
 * so it hands `materializeToPoint` this client. Against real Azure Storage the server-side copy
 * is correct and faster; the Azure fabric does not use this class.
 */
export class ClientCopyPageBlobClient extends PageBlobClient {
  constructor(url: string, private readonly blobs: BlobServiceClient) {
    super(url, blobs.credential);
  }

  // The SDK's poller type is not constructible outside it; materializeToPoint only awaits pollUntilDone().
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async beginCopyFromURL(copySource: string): Promise<any> {
    const source = this.sourceClient(copySource);
    const size = (await source.getProperties()).contentLength ?? 0;
    await this.create(size); // Put Blob: replaces any earlier content of this blob
    const writer = new PageBlobWriter(this, { maxInFlight: 4 });
    for (const r of await writtenRanges(source, size)) {
      for (let at = r.start; at < r.end; at += CHUNK) {
        const n = Math.min(CHUNK, r.end - at);
        await writer.write(at, await source.downloadToBuffer(at, n));
      }
    }
    await writer.flush();
    return { pollUntilDone: async () => ({ copyStatus: 'success' }) };
  }

  /** A client of the copy source with our credentials (same account). */
  private sourceClient(copySource: string): PageBlobClient {
    const url = new URL(copySource);
    const [container, ...rest] = decodeURIComponent(url.pathname).split('/').filter(Boolean).slice(this.pathSkip(url));
    const client = this.blobs.getContainerClient(container).getPageBlobClient(rest.join('/'));
    const snapshot = url.searchParams.get('snapshot');
    return snapshot ? client.withSnapshot(snapshot) : client;
  }

  /** Azurite URLs carry the account as the first path segment (`/devstoreaccount1/container/blob`). */
  private pathSkip(url: URL): number {
    const account = this.blobs.accountName;
    return account && url.pathname.split('/').filter(Boolean)[0] === account && !url.hostname.startsWith(`${account}.`) ? 1 : 0;
  }
}
