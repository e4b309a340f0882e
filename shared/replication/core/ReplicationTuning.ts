/** Knobs of the merge engine; the defaults suit Azure and Azurite alike. */
export interface ReplicationTuning {
  /** Put Page calls in flight per log (default 8). */
  putConcurrency: number;
  /** Largest Put Page body; Azure's limit is 4 MiB and Azurite does not enforce it (default 4 MiB). */
  maxPutBytes: number;
  /** Lease duration in seconds, 15-60 (default 60); renewed every third of it. */
  leaseDurationSeconds: number;
  /** How long a merge waits for another merge's lease before giving up (default 20 s). */
  leaseWaitMs: number;
  /** Logs larger than this are quarantined unread as absurd (default 1 GiB): a merge holds one log in memory. */
  maxLogBytes: number;
  /** Minimum source time between two crash-consistent recovery points (default 5 min). */
  crashPointIntervalMs: number;
  /** Bytes in flight when copying a snapshot into a target blob (default 4 MiB per call, 4 calls). */
  copyChunkBytes: number;
  /**
   * The sweep leaves a disk to its blob trigger while its oldest pending log is younger than this
   * (default 30 s, the shortest replication interval): it merges only what the trigger missed.
   */
  sweepGraceMs: number;
}

export const DEFAULT_REPLICATION_TUNING: ReplicationTuning = {
  putConcurrency: 8,
  maxPutBytes: 4 * 1024 * 1024,
  leaseDurationSeconds: 60,
  leaseWaitMs: 20_000,
  maxLogBytes: 1024 * 1024 * 1024,
  crashPointIntervalMs: 5 * 60_000,
  copyChunkBytes: 4 * 1024 * 1024,
  sweepGraceMs: 30_000,
};

/** The deployment's tuning over the defaults. */
export function tuningOf(deps: { tuning?: Partial<ReplicationTuning> }): ReplicationTuning {
  return { ...DEFAULT_REPLICATION_TUNING, ...deps.tuning };
}
