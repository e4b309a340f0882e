import type { BlobServiceClient } from '@azure/storage-blob';
import type { ShutdownRequest } from '../recovery/SourceShutdownRequests';
import type { DiskRef } from '../replication';

/**
 * How the agent reaches the replica side: ship a log, read how far a disk is merged, find
 * quarantined logs, read a failover's shutdown request. Two kinds: straight to storage with a
 * connection string (tests, legacy), or a registered site's channel through the API (no storage
 * credential on the source host; see siteChannel).
 */
export interface ReplicaChannel {
  readonly kind: 'storage' | 'site';
  /** A site channel's site: enable-protection binds the item to it. */
  readonly siteId?: string;
  /** Uploads a built log create-only; returns the bytes sent (0 when it was already there or merged). */
  uploadLog(disk: DiskRef, epoch: number, sequence: number, file: string): Promise<number>;
  mergedSequence(disk: DiskRef, epoch: number): Promise<{ sequence: number; cutTimeMs?: number }>;
  /** The first quarantined log of `disk` with a sequence up to `upTo`, as `name: reason`. */
  quarantined(disk: DiskRef, upTo: number): Promise<string | undefined>;
  shutdownRequest(where: Pick<DiskRef, 'vault' | 'item'>): Promise<ShutdownRequest | undefined>;
}

/** What callers may pass: a channel, or a blob service client (direct storage access). */
export type ReplicaAccess = ReplicaChannel | BlobServiceClient;

export function isReplicaChannel(access: ReplicaAccess): access is ReplicaChannel {
  return typeof (access as ReplicaChannel).uploadLog === 'function' && typeof (access as ReplicaChannel).mergedSequence === 'function';
}
