import type { BlobServiceClient } from '@azure/storage-blob';
import { RecoveryPointRecorder } from './RecoveryPointRecorder';
import { ReplicationHealthReporter } from './ReplicationHealthReporter';
import { ReplicationSettingsSource } from './ReplicationSettingsSource';
import { ReplicationTuning } from './ReplicationTuning';
import type { ReplicaStateCache } from './ReplicaStateCache';

/** Something that writes a line to the host's log. */
export type ReplicationLog = (message: string, details?: Record<string, unknown>) => void;

/** Everything the merge engine talks to, injected so each piece can be real in tests. */
export interface ReplicationDeps {
  blobs: BlobServiceClient;
  recorder: RecoveryPointRecorder;
  health: ReplicationHealthReporter;
  settings: ReplicationSettingsSource;
  tuning?: Partial<ReplicationTuning>;
  log?: ReplicationLog;
  /**
   * Replica states this process last read or wrote, by ETag: a merge whose lease reports the same
   * ETag skips reading the replica. Without it every merge reads the replica's state.
   */
  replicaStates?: ReplicaStateCache;
  /** Wall clock, for quarantine names, lag and lease timing (default `new Date()`). */
  now?: () => Date;
  /**
   * Test hook: called after each Put Page call of a log, before the sequence advances; throwing
   * from it simulates a crash mid-merge.
   */
  afterPutPage?: (info: { sequence: bigint; offset: number; length: number }) => void;
}
