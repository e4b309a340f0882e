import { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { isStorageError } from './StorageClients';

const LEASE_SECONDS = 15;

/**
 * A singleton lock as Azure takes for timer listeners: a lease on
 * `azure-webjobs-hosts/locks/{hostId}/{function}.Listener`, renewed while held. Only the host
 * holding it runs the listener; when that host stops (release) or dies (the lease lapses in
 * 15 s), another host of the same app takes over.
 */
export class ListenerLock {
  private lease?: BlobLeaseClient;
  private renewer?: NodeJS.Timeout;
  private lost = false;

  private readonly blob: BlockBlobClient;

  constructor(private readonly container: ContainerClient, blobName: string) {
    this.blob = container.getBlockBlobClient(blobName);
  }

  /** True while this host holds the lease (false once a renewal failed). */
  get held(): boolean {
    return this.lease !== undefined && !this.lost;
  }

  /** Takes the lock if nobody holds it; false when another host does. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    await this.ensureBlob();
    const lease = this.blob.getBlobLeaseClient();
    try {
      await lease.acquireLease(LEASE_SECONDS);
    } catch (e) {
      if (isStorageError(e, 409)) return false;
      throw e;
    }
    this.lease = lease;
    this.lost = false;
    this.renewer = setInterval(() => {
      lease.renewLease().catch(() => { this.lost = true; });
    }, (LEASE_SECONDS * 1000) / 3);
    this.renewer.unref();
    return true;
  }

  private async ensureBlob(): Promise<void> {
    const create = () => this.blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
    try {
      await create();
    } catch (e) {
      if (isStorageError(e, 404)) {
        // The hosts container does not exist yet (a fresh storage account).
        await this.container.createIfNotExists();
        await create().catch((again: unknown) => { if (!isStorageError(again, 409) && !isStorageError(again, 412)) throw again; });
      } else if (!isStorageError(e, 409) && !isStorageError(e, 412)) {
        throw e;
      }
    }
  }

  async release(): Promise<void> {
    clearInterval(this.renewer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease && !this.lost) await lease.releaseLease().catch(() => undefined);
  }
}
