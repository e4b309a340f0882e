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
