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
  | 'FailoverCommitted';

/** States a failover sets; merges do not change them (a cancel derives the state again). */
export const FAILOVER_STATES: readonly ProtectionState[] = ['FailedOver', 'FailoverCommitted'];

export function isFailoverState(state: string): boolean {
  return (FAILOVER_STATES as readonly string[]).includes(state);
}
