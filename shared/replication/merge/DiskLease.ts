import type { BlobLeaseClient, PageBlobClient } from '@azure/storage-blob';
import { ReplicationError } from '../core/ReplicationError';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/**
 * The exclusive right to write one replica: the blob lease of its page blob. Renewed in the
 * background every third of its duration; if a renewal fails the lease counts as lost and
 * {@link assertHeld} throws, so the merge stops before its next write (every write also carries
 * the lease id, so a write after a real loss fails on the server anyway).
 */
export class DiskLease {
  private lost?: unknown;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param etag The blob's ETag when the lease was taken (a lease does not change it), so a state
   *   read before the lease with the same ETag is still the state.
   */
  private constructor(
    private readonly client: BlobLeaseClient,
    readonly leaseId: string,
    durationSeconds: number,
    readonly etag?: string,
    /** Whether another holder had to be waited for: other merges of the disk are at work (a backlog). */
    readonly contended = false,
  ) {
    this.timer = setInterval(() => {
      this.client.renewLease().catch((err) => (this.lost = err));
    }, (durationSeconds * 1000) / 3);
    this.timer.unref();
  }

  /**
   * Takes the lease, waiting up to `waitMs` for a holder to release it (409). Throws
   * `ReplicaBusy` after that, and rethrows anything else (e.g. 404: no blob).
   */
  static async acquire(blob: PageBlobClient, durationSeconds: number, waitMs: number): Promise<DiskLease> {
    const deadline = Date.now() + waitMs;
    let delay = 50;
    let contended = false;
    for (;;) {
      const client = blob.getBlobLeaseClient();
      try {
        const taken = await client.acquireLease(durationSeconds);
        return new DiskLease(client, client.leaseId, durationSeconds, taken.etag, contended);
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        if (Date.now() >= deadline) {
          throw new ReplicationError('ReplicaBusy', `another merge holds the lease of ${blob.name}; its own trigger or the next sweep will merge the rest`, {
            retryable: true,
            cause: err,
          });
        }
        contended = true;
        await sleep(delay);
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  /** Throws `ReplicaLeaseLost` if a renewal failed. */
  assertHeld(): void {
    if (this.lost !== undefined) {
      throw new ReplicationError('ReplicaLeaseLost', 'the replica lease was lost during the merge; the merge stopped and will resume from the last applied log', {
        retryable: true,
        cause: this.lost,
      });
    }
  }

  /** Stops renewing and releases the lease (best effort: an expired lease frees itself). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.client.releaseLease().catch(() => undefined);
  }
}
