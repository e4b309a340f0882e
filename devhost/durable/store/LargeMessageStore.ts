import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Where queue messages too large for Azure Queues go, as the Durable extension's Azure Storage
 * backend (DurableTask.AzureStorage) does: the message body is gzip-compressed into a blob of
 * the `<hub>-largemessages` container, named `<instanceId>/message-<id>.json.gz`, and the queue
 * carries only that name. Blobs of an instance are deleted when the instance is purged.
 */
export class LargeMessageStore {
  private readonly container: ContainerClient;

  constructor(connectionString: string, containerName: string) {
    this.container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  }

  get containerName(): string {
    return this.container.containerName;
  }

  async ensure(): Promise<void> {
    await this.container.createIfNotExists();
  }

  /** Stores `text` compressed; returns the blob name the queue message carries. */
  async put(instanceId: string, text: string): Promise<string> {
    const name = `${blobPrefix(instanceId)}message-${randomUUID()}.json.gz`;
    const data = await gzipAsync(Buffer.from(text, 'utf8'));
    await this.container.getBlockBlobClient(name).uploadData(data, { blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' } });
    return name;
  }

  /**
   * Stores a payload too large for a table row under a name derived from its content (so a
   * writer that loses an If-Match race cannot change what the winner's row points to).
   */
  async putContent(instanceId: string, kind: string, text: string): Promise<string> {
    const name = `${blobPrefix(instanceId)}${kind}-${createHash('sha256').update(text).digest('hex')}.json.gz`;
    const data = await gzipAsync(Buffer.from(text, 'utf8'));
    await this.container.getBlockBlobClient(name).uploadData(data, { blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' } });
    return name;
  }

  async get(name: string): Promise<string> {
    const data = await this.container.getBlockBlobClient(name).downloadToBuffer();
    return (await gunzipAsync(data)).toString('utf8');
  }

  /**
   * A small piece of progress kept for one task of an execution (callHttp's pending 202
   * Location), so a restarted host resumes rather than redoes it; undefined text deletes it.
   * It lives under the instance's prefix, so a purge removes it too.
   */
  async setTaskCheckpoint(instanceId: string, executionId: string, taskId: number, text: string | undefined): Promise<void> {
    const blob = this.container.getBlockBlobClient(`${blobPrefix(instanceId)}checkpoint-${executionId}-${taskId}.json`);
    if (text === undefined) await blob.deleteIfExists();
    else await blob.uploadData(Buffer.from(text, 'utf8'), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  async getTaskCheckpoint(instanceId: string, executionId: string, taskId: number): Promise<string | undefined> {
    try {
      return (await this.container.getBlockBlobClient(`${blobPrefix(instanceId)}checkpoint-${executionId}-${taskId}.json`).downloadToBuffer()).toString('utf8');
    } catch (e) {
      if ((e as RestError).statusCode === 404) return undefined;
      throw e;
    }
  }

  /** Deletes every large message of an instance; returns how many there were. */
  async deleteInstance(instanceId: string): Promise<number> {
    let n = 0;
    for await (const b of this.container.listBlobsFlat({ prefix: blobPrefix(instanceId) })) {
      try { await this.container.deleteBlob(b.name); n++; } catch (e) {
        if ((e as RestError).statusCode !== 404) throw e;
      }
    }
    return n;
  }
}

/** Instance ids are user text: encode them so a `/` in an id cannot reach another's prefix. */
function blobPrefix(instanceId: string): string {
  return `${encodeURIComponent(instanceId)}/`;
}
