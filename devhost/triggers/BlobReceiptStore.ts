import { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { isStorageError } from './StorageClients';

/** Receipts live in the host's own container, as in Azure. */
export const HOSTS_CONTAINER = 'azure-webjobs-hosts';
const INCOMPLETE = 'incompletereceipt';
const LEASE_SECONDS = 30;

/** A receipt this host holds a lease on while it processes one blob version. */
export interface HeldReceipt {
  /** Marks the blob version processed (for good: success or poisoned) and releases the lease. */
  complete(): Promise<void>;
  /** Gives the receipt up without completing it: another host (or a restart) will try again. */
  release(): Promise<void>;
}

export type ReceiptClaim =
  | { state: 'claimed'; receipt: HeldReceipt }
  | { state: 'completed' }
  /** Another host holds the lease right now. */
  | { state: 'busy' };

/**
 * Blob receipts: `azure-webjobs-hosts/blobreceipts/{hostId}/{functionId}/{ETag}/{container}/{blob}`.
 * A receipt without the "incomplete" mark means this blob version was processed; a new ETag
 * gets a new receipt, so an overwritten blob fires again. A lease on the receipt keeps two
 * hosts from running the same version at once; a crashed host's lease simply expires.
 */
export class BlobReceiptStore {
  private ensured = false;

  constructor(private readonly container: ContainerClient, private readonly hostId: string) {}

  receiptName(functionId: string, etag: string, container: string, blob: string): string {
    return `blobreceipts/${this.hostId}/${functionId}/${etag.replace(/"/g, '')}/${container}/${blob}`;
  }

  /** Cheap check used before claiming: true when a completed receipt exists. */
  async isCompleted(name: string): Promise<boolean> {
    try {
      const props = await this.container.getBlockBlobClient(name).getProperties();
      return props.metadata?.[INCOMPLETE] !== 'true';
    } catch (e) {
      if (isStorageError(e, 404)) return false;
      throw e;
    }
  }

  /** Creates the receipt (incomplete) when missing, then tries to lease it. */
  async claim(name: string): Promise<ReceiptClaim> {
    await this.ensureContainer();
    const blob = this.container.getBlockBlobClient(name);
    try {
      await blob.upload('', 0, { metadata: { [INCOMPLETE]: 'true' }, conditions: { ifNoneMatch: '*' } });
    } catch (e) {
      // 409 BlobAlreadyExists / 412: someone created it first; fall through and look at it.
      if (!isStorageError(e, 409) && !isStorageError(e, 412)) throw e;
    }
    const lease = blob.getBlobLeaseClient();
    try {
      await lease.acquireLease(LEASE_SECONDS);
    } catch (e) {
      if (isStorageError(e, 409)) return { state: 'busy' };
      throw e;
    }
    // Read under the lease: the version may have been completed between our checks.
    const props = await blob.getProperties({ conditions: { leaseId: lease.leaseId } });
    if (props.metadata?.[INCOMPLETE] !== 'true') {
      await lease.releaseLease().catch(() => undefined);
      return { state: 'completed' };
    }
    return { state: 'claimed', receipt: heldReceipt(blob, lease) };
  }

  private async ensureContainer(): Promise<void> {
    if (this.ensured) return;
    await this.container.createIfNotExists();
    this.ensured = true;
  }
}

function heldReceipt(blob: BlockBlobClient, lease: BlobLeaseClient): HeldReceipt {
  // Renew well before expiry so a long invocation keeps its claim; a crash lets it lapse.
  const renewer = setInterval(() => { lease.renewLease().catch(() => undefined); }, (LEASE_SECONDS * 1000) / 3);
  renewer.unref();
  return {
    async complete() {
      clearInterval(renewer);
      await blob.setMetadata({ completed: new Date().toISOString() }, { conditions: { leaseId: lease.leaseId } });
      await lease.releaseLease().catch(() => undefined);
    },
    async release() {
      clearInterval(renewer);
      await lease.releaseLease().catch(() => undefined);
    },
  };
}
