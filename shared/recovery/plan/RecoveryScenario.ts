/**
 * The operations a recovery plan or a protected item can run, named as ASR names them in
 * `allowedOperations` (the job's `scenarioName` uses the same words).
 */
export const RECOVERY_SCENARIOS = [
  'TestFailover', 'TestFailoverCleanup', 'PlannedFailover', 'UnplannedFailover', 'FailoverCommit', 'CancelFailover',
] as const;
export type RecoveryScenario = (typeof RECOVERY_SCENARIOS)[number];

/** ASR's failover types as recovery plan actions name them (`failoverTypes` of an action). */
export function actionFailoverTypeOf(scenario: RecoveryScenario): string {
  return scenario === 'FailoverCommit' ? 'Commit' : scenario;
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
