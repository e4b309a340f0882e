import type { FailbackRequest } from './FailbackTransfers';
import type { RepairRequest } from './replicationRepair';
import type { ShutdownRequest } from './SourceShutdownRequests';

/** What a site's agent asks for: the URL to create one log blob (`POST …/sites/{siteId}/logUploadUrls`). */
export interface LogUploadRequest {
  /** The protected item's ARM id (as enable-protection answered it). */
  itemId: string;
  diskId: string;
  epoch: number;
  sequence: number;
  sizeBytes: number;
}

/** The answer: a URL to create exactly that blob, or why none is needed. */
export type LogUploadAnswer =
  | { status: 'upload'; uploadUrl: string; blobName: string; expiresOn: string }
  | { status: 'alreadyUploaded'; blobName: string }
  | { status: 'alreadyMerged'; blobName: string };

/**
 * What a site's agent may read of its own item (`GET …/sites/{siteId}/replicationState`): how far
 * each disk is merged, quarantined logs, a failover's and a repair's request.
 */
export interface SiteReplicationState {
  /** Per disk: progress, and the replica's blob metadata (protection id, applied-log checksums) so the agent judges what was applied as its own. */
  disks: { diskId: string; epoch: number; lastAppliedSequence: number; lastAppliedCutTimeMs?: number; replicaMetadata?: Record<string, string> }[];
  quarantinedLogs: { diskId: string; fileName: string; reason?: string; metadata?: Record<string, string> }[];
  shutdownRequest: ShutdownRequest | null;
  /** The item's repair request (docs/replication.md, "Lost writes and repair"), with a read-only URL per disk for its digests. */
  repairRequest: RepairRequest | null;
  repairDigestUrls: Record<string, string>;
  /** The item's pending failback round (docs/failback.md), if any (absent from older services). */
  failbackRequest?: FailbackRequest | null;
  /**
   * URLs of that round's blobs, each for one blob, for minutes: create-only for what the agent
   * writes (digests per disk, applied.json), read-only for what the service wrote (ready.json,
   * the delta log per disk).
   */
  failbackUrls?: { jobId: string; round: number; digests: Record<string, string>; logs: Record<string, string>; ready: string; applied: string } | null;
}
