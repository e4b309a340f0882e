import type { ItemSegments } from '../../contracts/SourceShutdownRequests';

/** A disk of the machine that runs in the recovery site: what a failback reads from. */
export interface RecoveredDiskBlob {
  diskId: string;
  /** The page blob (local fabric: the disk itself). */
  blobUrl: string;
}

/** One round of a failback, as the service asks the primary site's agent for it. */
export interface FailbackRoundRequest {
  jobId: string;
  /** `sync` (the recovered machine still runs) or `final` (it is stopped: nothing follows). */
  round: 'sync' | 'final';
  requestedAt: string;
  recoveredDisks: RecoveredDiskBlob[];
  /** CreateVmIfNotFound: the agent writes new disks in `alternateLocation` instead of the source disks. */
  alternateLocation?: string;
}

/** Where a round is. `bytesShipped`: the delta's bytes written for the agent so far. */
export interface FailbackRoundStatus {
  done: boolean;
  bytesShipped: number;
  description: string;
  /** The agent or the delta failed: the round cannot finish (code and message for the job). */
  failed?: { code: string; message: string };
}

/**
 * The failback data path as the recovery activities use it (issue 13). The implementation is
 * the replication side's (`shared/replication/failback`, wired in `recoveryDepsFromEnv`): the
 * request rides in storage like a shutdown request; the agent of the primary site reports its
 * disks' block digests, the service writes the blocks that differ as replica logs (encrypted
 * with the item's key when there is one), the agent applies them. Every call is idempotent: a
 * Durable activity may run twice.
 */
export interface FailbackDataPath {
  requestRound(item: ItemSegments, request: FailbackRoundRequest): Promise<void>;
  /** Moves the round on (prepares the delta once the agent reported its digests) and says where it is. */
  advanceRound(item: ItemSegments, round: { jobId: string; round: 'sync' | 'final'; recoveredDisks: RecoveredDiskBlob[]; key?: Buffer }): Promise<FailbackRoundStatus>;
  /** Withdraws the failback request (commit, cancel, rollback). */
  clear(item: ItemSegments): Promise<void>;
  /** Reprotect: a new forward epoch whose baseline is the disk both sides now share. */
  startReprotectEpoch(item: ItemSegments, request: { jobId: string; diskIds: string[]; requestedAt: string }): Promise<{ epochs: Record<string, number> }>;
}

/** Until the replication side is wired: every failback step fails, saying what is missing. */
export const FAILBACK_DATA_PATH_MISSING: FailbackDataPath = {
  requestRound: async () => { throw new Error('the failback data path is not available in this build'); },
  advanceRound: async () => { throw new Error('the failback data path is not available in this build'); },
  clear: async () => undefined,
  startReprotectEpoch: async () => { throw new Error('the failback data path is not available in this build'); },
};
