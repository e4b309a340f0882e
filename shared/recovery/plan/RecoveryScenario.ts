/**
 * The operations a recovery plan or a protected item can run. The first six are named as ASR
 * names them in `allowedOperations` (and the job's `scenarioName`); the failback cycle's
 * (issue 13) are this service's own names for what ASR runs under the same ARM operations:
 * `Failback` = `plannedFailover` with `failoverDirection: RecoveryToPrimary`; `FailbackCommit`
 * and `FailbackCancel` = `failoverCommit` / `failoverCancel` of a failback; `Reprotect` =
 * `reProtect` (ASR's allowed operation `ReverseReplicate`); `ReverseReprotect` = `reProtect` with
 * `failoverDirection: RecoveryToPrimary` after a committed failover (continuous reverse replication,
 * docs/reverse-replication.md). {@link allowedOperationOf} gives the
 * word `allowedOperations` shows for each.
 */
export const RECOVERY_SCENARIOS = [
  'TestFailover', 'TestFailoverCleanup', 'PlannedFailover', 'UnplannedFailover', 'FailoverCommit', 'CancelFailover',
  'Failback', 'FailbackCommit', 'FailbackCancel', 'Reprotect', 'ReverseReprotect',
] as const;
export type RecoveryScenario = (typeof RECOVERY_SCENARIOS)[number];

/** The words of `allowedOperations` (ASR's `ReplicationProtectedItemOperation` values this service uses, and `FailoverCommit`). */
export type AllowedOperation = 'TestFailover' | 'TestFailoverCleanup' | 'PlannedFailover' | 'UnplannedFailover' | 'FailoverCommit' | 'CancelFailover' | 'ReverseReplicate';

/** The `allowedOperations` word that allows `scenario` (a failback is a planned failover back; a reprotect is ASR's ReverseReplicate). */
export function allowedOperationOf(scenario: RecoveryScenario): AllowedOperation {
  switch (scenario) {
    case 'Failback': return 'PlannedFailover';
    case 'FailbackCommit': return 'FailoverCommit';
    case 'FailbackCancel': return 'CancelFailover';
    case 'Reprotect': return 'ReverseReplicate';
    case 'ReverseReprotect': return 'ReverseReplicate';
    default: return scenario;
  }
}

/** ASR's failover types as recovery plan actions name them (`failoverTypes` of an action). */
export function actionFailoverTypeOf(scenario: RecoveryScenario): string {
  if (scenario === 'Failback') return 'PlannedFailover';
  return scenario === 'FailoverCommit' || scenario === 'FailbackCommit' ? 'Commit' : scenario;
}

/** The friendly name of a job running `scenario` on `target`. */
export function scenarioFriendlyName(scenario: RecoveryScenario, target: string): string {
  const what: Record<RecoveryScenario, string> = {
    TestFailover: 'Test failover',
    TestFailoverCleanup: 'Cleanup test failover',
    PlannedFailover: 'Planned failover',
    UnplannedFailover: 'Unplanned failover',
    FailoverCommit: 'Commit',
    CancelFailover: 'Cancel failover',
    Failback: 'Failback (planned failover to the primary site)',
    FailbackCommit: 'Commit failback',
    FailbackCancel: 'Cancel failback',
    Reprotect: 'Reprotect (replicate to the recovery site again)',
    ReverseReprotect: 'Reprotect to the primary site (continuous reverse replication)',
  };
  return `${what[scenario]} of ${target}`;
}

/** The scenarios that bring machines up from replicated disks. */
export type FailoverScenario = Extract<RecoveryScenario, 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover'>;

/** Whether `scenario` brings machines up from replicated disks (and so needs disks, keys and network mappings). */
export function isFailover(scenario: RecoveryScenario): scenario is FailoverScenario {
  return scenario === 'TestFailover' || scenario === 'PlannedFailover' || scenario === 'UnplannedFailover';
}

/** Whether a cancelled job of `scenario` removes what it made and withdraws its shutdown requests (a real failover). */
export function rollsBackOnCancel(scenario: RecoveryScenario): boolean {
  return scenario === 'PlannedFailover' || scenario === 'UnplannedFailover';
}
