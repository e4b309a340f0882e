import type { BlobServiceClient } from '@azure/storage-blob';
import type { FailbackApplied, FailbackDigests, FailbackReady, FailbackRequest } from '../contracts/FailbackTransfers';
import type { RepairRequest } from '../contracts/replicationRepair';
import type { ShutdownRequest } from '../contracts/SourceShutdownRequests';
import type { DiskRef } from '../contracts/DiskRef';
import type { ReplicaState } from '../contracts/ReplicaState';

/** A log in quarantine: its blob name (under the disk's prefix) and the merge's metadata (reason, detail, logsha256, quarantinedat). */
export interface QuarantinedLog {
  name: string;
  metadata: Record<string, string>;
}

/**
 * How the agent reaches the replica side: ship a log, read a disk's replica state (how far it
 * is merged, whose protection, the checksums of the logs it applied), find quarantined logs,
 * read a failover's shutdown request and a repair's request and digests. Two kinds: straight to
 * storage with a connection string (tests, legacy), or a registered site's channel through the
 * API (no storage credential on the source host; see siteChannel).
 */
export interface ReplicaChannel {
  readonly kind: 'storage' | 'site';
  /** A site channel's site: enable-protection binds the item to it. */
  readonly siteId?: string;
  /**
   * Uploads a built log create-only, stamped with the protection id and its SHA-256; returns the
   * bytes sent (0 when it was already there or merged) and the checksum.
   */
  uploadLog(disk: DiskRef, epoch: number, sequence: number, file: string, protectionId?: string): Promise<{ sent: number; sha256: string }>;
  /** The replica's state (its blob metadata), or `undefined` when it has none yet. */
  replicaState(disk: DiskRef): Promise<ReplicaState | undefined>;
  /** The disk's quarantined logs (none when the quarantine container does not exist yet). */
  quarantinedLogs(disk: DiskRef): Promise<QuarantinedLog[]>;
  shutdownRequest(where: Pick<DiskRef, 'vault' | 'item'>): Promise<ShutdownRequest | undefined>;
  /** The item's repair request (docs/replication.md, "Lost writes and repair"), if any. */
  repairRequest(where: Pick<DiskRef, 'vault' | 'item'>): Promise<RepairRequest | undefined>;
  /** A repair's replica block digests of one disk (32 bytes per 4 KiB block). */
  repairDigests(where: Pick<DiskRef, 'vault' | 'item'>, request: RepairRequest, diskId: string): Promise<Buffer>;
  /** The item's pending failback round (docs/failback.md), if any. */
  failbackRequest(where: Pick<DiskRef, 'vault' | 'item'>): Promise<FailbackRequest | undefined>;
  /** Reports a source disk's block digests for a round. */
  uploadFailbackDigests(where: Pick<DiskRef, 'vault' | 'item'>, jobId: string, round: number, diskId: string, digests: FailbackDigests): Promise<void>;
  /** The round's ready.json: undefined until the service wrote every disk's delta log. */
  failbackReady(where: Pick<DiskRef, 'vault' | 'item'>, jobId: string, round: number): Promise<FailbackReady | undefined>;
  /** A disk's delta log of a round (whole, for the agent's journal). */
  failbackLog(where: Pick<DiskRef, 'vault' | 'item'>, jobId: string, round: number, diskId: string): Promise<Buffer>;
  /** Reports the round applied and flushed. */
  reportFailbackApplied(where: Pick<DiskRef, 'vault' | 'item'>, applied: FailbackApplied): Promise<void>;
}

/** What callers may pass: a channel, or a blob service client (direct storage access). */
export type ReplicaAccess = ReplicaChannel | BlobServiceClient;

export function isReplicaChannel(access: ReplicaAccess): access is ReplicaChannel {
  return typeof (access as ReplicaChannel).uploadLog === 'function' && typeof (access as ReplicaChannel).replicaState === 'function';
}
