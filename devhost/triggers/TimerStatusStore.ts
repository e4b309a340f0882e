import { ContainerClient } from '@azure/storage-blob';
import { isStorageError } from './StorageClients';

/** What Azure keeps per timer function: the last and next occurrence. */
export interface TimerStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/** A status as read, with the ETag a conditional write must match (undefined: no blob yet). */
export interface StoredTimerStatus {
  status?: TimerStatus;
  etag?: string;
}

/**
 * Timer status blobs: `azure-webjobs-hosts/timers/{hostId}/{functionName}/status`, JSON
 * `{Last, Next, LastUpdated}`. Writes are conditional on the ETag last read, so a second host
 * writing meanwhile is noticed instead of overwritten.
 */
export class TimerStatusStore {
  private ensured = false;

  constructor(private readonly container: ContainerClient, private readonly hostId: string) {}

  blobName(functionName: string): string {
    return `timers/${this.hostId}/${functionName}/status`;
  }

  async read(functionName: string): Promise<StoredTimerStatus> {
    let res;
    try {
      res = await this.container.getBlockBlobClient(this.blobName(functionName)).download();
    } catch (e) {
      if (isStorageError(e, 404)) return {};
      throw e;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res.readableStreamBody!) chunks.push(chunk as Buffer);
    let status: TimerStatus | undefined;
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<TimerStatus>;
      if (typeof parsed.Next === 'string' && !Number.isNaN(Date.parse(parsed.Next))) status = parsed as TimerStatus;
    } catch {
      // An unreadable status is treated as none; the next write replaces it (same ETag).
    }
    return { status, etag: res.etag };
  }

  /** Writes the status if nobody changed it since `previous` was read; returns the new stored state, or undefined on a conflict. */
  async write(functionName: string, status: TimerStatus, previous: StoredTimerStatus): Promise<StoredTimerStatus | undefined> {
    if (!this.ensured) {
      await this.container.createIfNotExists();
      this.ensured = true;
    }
    const body = JSON.stringify(status);
    try {
      const res = await this.container.getBlockBlobClient(this.blobName(functionName)).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        conditions: previous.etag ? { ifMatch: previous.etag } : { ifNoneMatch: '*' },
      });
      return { status, etag: res.etag };
    } catch (e) {
      if (isStorageError(e, 412) || isStorageError(e, 409)) return undefined;
      throw e;
    }
  }
}
