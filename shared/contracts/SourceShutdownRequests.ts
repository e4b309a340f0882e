import type { ContainerClient } from '@azure/storage-blob';
import { blobPath } from '../naming';
import { readBlobVersion } from './readBlobVersion';

/** An item's storage path segments: its vault's segment and its name (what DiskRef holds, without the disk). */
export interface ItemSegments {
  vault: string;
  item: string;
}

/** Container of shutdown requests the source agents poll. */
export const SHUTDOWN_REQUEST_CONTAINER = 'failover-control';

/** What the agent of a protected item reads before a failover. */
export interface ShutdownRequest {
  jobId: string;
  requestedAt: string;
  /**
   * Planned failover: stop the VM, then cut and ship one last log with the header flag
   * `finalPlannedFailover` set, per disk. Unplanned failover with `sourceSiteOperations:
   * Required`: stop the VM if reachable; no final log is awaited.
   */
  shipFinalLog: boolean;
  /**
   * `FailoverCommitted`: the failover of the item was committed; the workload runs in the
   * recovery site and the replica takes no more logs from this source. The agent stops for good
   * and says so (non-zero exit). Absent = a failover asks the source to shut down.
   */
  reason?: 'FailoverCommitted';
}

/** The request blob of one item: `{vault}/{item}/shutdown-request.json` (the replica layout's vault and item segments). */
export function shutdownRequestBlob(vaultSegment: string, item: string): string {
  return blobPath([vaultSegment, item, 'shutdown-request.json']);
}

/**
 * The contract between a failover and the source agent (docs/recovery-plans.md): the service
 * writes a request blob per item, the agent polls for it (the same credential that uploads its
 * logs can read it), stops the VM and ships a final log flagged `finalPlannedFailover`; the
 * service knows the log arrived when the merged journal's newest log carries the flag. The
 * request names the job, so an agent can tell a new request from one it already served.
 */
export class SourceShutdownRequests {
  constructor(private readonly container: ContainerClient) {}

  async request(disk: ItemSegments, request: ShutdownRequest): Promise<void> {
    await this.container.createIfNotExists();
    const body = JSON.stringify(request);
    await this.container.getBlockBlobClient(shutdownRequestBlob(disk.vault, disk.item)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  /** The pending request for an item, if any (what the agent polls). */
  async read(disk: ItemSegments): Promise<ShutdownRequest | undefined> {
    const v = await readBlobVersion(this.container.getBlobClient(shutdownRequestBlob(disk.vault, disk.item)));
    return v && (JSON.parse(v.bytes.toString('utf8')) as ShutdownRequest);
  }

  /** Nothing to clear is fine, even before the first request created the container (a failover cancelled before any shutdown). */
  async clear(disk: ItemSegments): Promise<void> {
    try {
      await this.container.getBlockBlobClient(shutdownRequestBlob(disk.vault, disk.item)).deleteIfExists();
    } catch (err) {
      // deleteIfExists swallows BlobNotFound only; a container no request ever created is a 404 too.
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
}
