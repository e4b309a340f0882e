/**
 * A protected item's `protectionState`, as this service sets it:
 *
 * ```
 * InitialReplicationPending ──first log merged──► InitialReplicationInProgress ──seed complete──► Protected
 *            │                                                                                    │   ▲
 *            └──────────── a seed of one log completes at once ──────────────────────────────────┘   │
 * Protected ──resync (new epoch)──► ResynchronizationInProgress ──its seed complete───────────────────┘
 * Protected ──failover succeeded──► FailedOver ──commit──► FailoverCommitted
 *                                        └──cancel──► (derived again from the disks: Protected)
 * FailoverCommitted ──failback started──► FailbackInProgress ──succeeded──► FailbackCompleted ──commit──► FailbackCommitted
 *        ▲                                   │ failed: FailbackFailed          │
 *        └────── failback job cancelled, failback cancelled ◄──────────────────┘
 * FailoverCommitted ──reprotect RecoveryToPrimary──► ReverseReplicating ──failback started──► FailbackInProgress
 *                                                          └──failoverCancel (stop)──► FailoverCommitted
 * FailbackCommitted ──reprotect──► (derived again from the disks: ResynchronizationInProgress, then Protected)
 * ```
 * Replication problems (quarantine, gap, lag, RPO) do not change the state: they show in
 * `replicationHealth` and `healthErrors`, as in ASR.
 */
export type ProtectionState =
  | 'InitialReplicationPending'
  | 'InitialReplicationInProgress'
  | 'Protected'
  | 'ResynchronizationInProgress'
  | 'FailedOver'
  | 'FailoverCommitted'
  | 'FailbackInProgress'
  | 'FailbackFailed'
  | 'FailbackCompleted'
  | 'FailbackCommitted'
  | 'ReverseReplicating';

/** States a failover sets; merges do not change them (a cancel derives the state again). */
export const FAILOVER_STATES: readonly ProtectionState[] = ['FailedOver', 'FailoverCommitted', 'FailbackInProgress', 'FailbackFailed', 'FailbackCompleted', 'FailbackCommitted', 'ReverseReplicating'];

/**
 * States in which the source does not replicate forward: the workload runs in the recovery site
 * (a committed failover) or is on its way home, or home and not yet reprotected. Logs that
 * arrive are not merged (held), and the agent's forward replication stays stopped.
 */
export const FORWARD_STOPPED_STATES: readonly ProtectionState[] = ['FailoverCommitted', 'FailbackInProgress', 'FailbackFailed', 'FailbackCompleted', 'FailbackCommitted', 'ReverseReplicating'];

export function isFailoverState(state: string): boolean {
  return (FAILOVER_STATES as readonly string[]).includes(state);
}
