/** Which drill run: its vault and document id (orchestration inputs stay small: ids, not data). */
export interface DrillRunRef {
  vaultKey: string;
  runId: string;
}

export type DrillBegun =
  | { kind: 'ended' }
  | { kind: 'started'; jobId: string; keepUpSeconds: number; pollSeconds: number; maxTestFailoverSeconds: number };

export interface DrillJobStatus {
  state: string;
  /** The test failover is done and waits for its cleanup. */
  waitingForCleanup: boolean;
  ended: boolean;
}

/**
 * The drill activities by name: input and output, so the orchestrator (functions/orchestrators)
 * calls them through a typed map rather than bare strings.
 */
export interface DrillActivityMap {
  /** Skips the run (plan busy, schedule gone) or starts its test failover; idempotent. */
  beginDrill: { input: DrillRunRef; output: DrillBegun };
  drillJobStatus: { input: { vaultKey: string; jobId: string }; output: DrillJobStatus };
  /** A test failover past the drill's deadline is cancelled (it then ends and is cleaned up). */
  cancelDrillJob: { input: { vaultKey: string; jobId: string }; output: void };
  /** Records per-machine checks and probes and the verdict; true when the machines should be kept up for the keep-up time. */
  verifyDrill: { input: DrillRunRef; output: { keepUp: boolean } };
  /** Starts the cleanup job (or finds the one it started); undefined when nothing is left to clean up. */
  startDrillCleanup: { input: DrillRunRef; output: { jobId?: string } };
  /** Records the end, the cleanup's outcome and the result, and raises the run's event. */
  finishDrill: { input: DrillRunRef & { cleanupState?: string }; output: void };
  /**
   * Called by the drill's test failover job when it reaches what the drill waits for (waiting for
   * its cleanup, or ended): raises `DRILL_JOB_CHANGED_EVENT` (recovery/plan/DrillJobOptions) on the drill's orchestration, so
   * the drill looks at once instead of at its next poll. Best effort (the poll still finds the
   * job): false when the drill no longer runs or the event could not be raised.
   */
  notifyDrill: { input: { instanceId: string }; output: boolean };
}

export type DrillActivityName = keyof DrillActivityMap;
export type DrillActivityInput<N extends DrillActivityName> = DrillActivityMap[N]['input'];
export type DrillActivityOutput<N extends DrillActivityName> = DrillActivityMap[N]['output'];

/** Name of the orchestration that runs one drill. */
export const DRILL_RUN_ORCHESTRATION = 'drillRun';

