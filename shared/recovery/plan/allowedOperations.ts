import type { RecoveryScenario } from './RecoveryScenario';

/** What a plan or item allows when nothing has run yet (ASR's initial set). */
export const INITIAL_OPERATIONS: RecoveryScenario[] = ['TestFailover', 'PlannedFailover', 'UnplannedFailover'];

export type ScenarioOutcome = 'Started' | 'Succeeded' | 'Failed' | 'Cancelled';

/**
 * The operations a plan or item allows next (`allowedOperations`), after `scenario` reached
 * `outcome`. One scenario at a time: while one runs only its own follow-up is allowed (a test
 * failover's cleanup). What a failed or cancelled operation may have left behind can always be
 * removed: a test failover by its cleanup, a failover by cancelling it. A failover job that was
 * cancelled (`POST …/replicationJobs/{job}/cancel`) rolls itself back, so it leaves the initial set.
 */
export function allowedOperationsAfter(scenario: RecoveryScenario, outcome: ScenarioOutcome): RecoveryScenario[] {
  switch (scenario) {
    case 'TestFailover':
      return ['TestFailoverCleanup'];
    case 'TestFailoverCleanup':
      return outcome === 'Succeeded' ? INITIAL_OPERATIONS : outcome === 'Started' ? [] : ['TestFailoverCleanup'];
    case 'PlannedFailover':
    case 'UnplannedFailover':
      if (outcome === 'Started') return [];
      // A cancelled failover job removed what it made and withdrew its shutdown request (the
      // orchestrator's rollback): the item is a protected item again.
      if (outcome === 'Cancelled') return INITIAL_OPERATIONS;
      return outcome === 'Succeeded' ? ['FailoverCommit', 'CancelFailover'] : ['PlannedFailover', 'UnplannedFailover', 'CancelFailover'];
    case 'FailoverCommit':
      // Reprotect (replicating back) is not built yet: a committed plan allows nothing more.
      return outcome === 'Succeeded' ? [] : outcome === 'Started' ? [] : ['FailoverCommit'];
    case 'CancelFailover':
      return outcome === 'Succeeded' ? INITIAL_OPERATIONS : outcome === 'Started' ? [] : ['CancelFailover'];
  }
}

/** Where the workload runs after `scenario` succeeded (`activeLocation`), when it changes. */
export function activeLocationAfter(scenario: RecoveryScenario): 'Primary' | 'Recovery' | undefined {
  if (scenario === 'PlannedFailover' || scenario === 'UnplannedFailover') return 'Recovery';
  if (scenario === 'CancelFailover') return 'Primary';
  return undefined;
}
