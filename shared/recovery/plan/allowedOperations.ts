import type { AllowedOperation, RecoveryScenario } from './RecoveryScenario';

/** What a plan or item allows when nothing has run yet (ASR's initial set). */
export const INITIAL_OPERATIONS: AllowedOperation[] = ['TestFailover', 'PlannedFailover', 'UnplannedFailover'];

export type ScenarioOutcome = 'Started' | 'Succeeded' | 'Failed' | 'Cancelled';

/**
 * The operations a plan or item allows next (`allowedOperations`), after `scenario` reached
 * `outcome`. One scenario at a time: while one runs only its own follow-up is allowed (a test
 * failover's cleanup). What a failed or cancelled operation may have left behind can always be
 * removed: a test failover by its cleanup, a failover by cancelling it. A failover job that was
 * cancelled (`POST …/replicationJobs/{job}/cancel`) rolls itself back, so it leaves the initial set.
 *
 * The way home (issue 13): a committed failover allows `PlannedFailover` (a failback, direction
 * RecoveryToPrimary); a failback that succeeded allows its commit or cancel; a committed
 * failback allows `ReverseReplicate` (reprotect), after which the item is a protected item again.
 * A committed failover also allows `ReverseReplicate` (reprotect RecoveryToPrimary: continuous
 * reverse replication), after which it allows a failback or stopping it (`CancelFailover`).
 * A failback job that was cancelled (or a failback cancelled after it succeeded) restarted the
 * machine in the recovery site: the committed failover's set again.
 */
export function allowedOperationsAfter(scenario: RecoveryScenario, outcome: ScenarioOutcome): AllowedOperation[] {
  if (outcome === 'Started') return scenario === 'TestFailover' ? ['TestFailoverCleanup'] : [];
  switch (scenario) {
    case 'TestFailover':
      return ['TestFailoverCleanup'];
    case 'TestFailoverCleanup':
      return outcome === 'Succeeded' ? INITIAL_OPERATIONS : ['TestFailoverCleanup'];
    case 'PlannedFailover':
    case 'UnplannedFailover':
      // A cancelled failover job removed what it made and withdrew its shutdown request (the
      // orchestrator's rollback): the item is a protected item again.
      if (outcome === 'Cancelled') return INITIAL_OPERATIONS;
      return outcome === 'Succeeded' ? ['FailoverCommit', 'CancelFailover'] : ['PlannedFailover', 'UnplannedFailover', 'CancelFailover'];
    case 'FailoverCommit':
      return outcome === 'Succeeded' ? COMMITTED_OPERATIONS : ['FailoverCommit'];
    case 'CancelFailover':
      return outcome === 'Succeeded' ? INITIAL_OPERATIONS : ['CancelFailover'];
    case 'Failback':
      if (outcome === 'Cancelled') return COMMITTED_OPERATIONS;
      return outcome === 'Succeeded' ? ['FailoverCommit', 'CancelFailover'] : ['PlannedFailover', 'CancelFailover'];
    case 'FailbackCommit':
      return outcome === 'Succeeded' ? ['ReverseReplicate'] : ['FailoverCommit'];
    case 'FailbackCancel':
      return outcome === 'Succeeded' ? COMMITTED_OPERATIONS : ['CancelFailover'];
    case 'Reprotect':
      return outcome === 'Succeeded' ? INITIAL_OPERATIONS : ['ReverseReplicate'];
    case 'ReverseReprotect':
      // Reverse replication runs: fail back (it ships little) or stop it (CancelFailover); a
      // failed or cancelled start left a committed failover.
      return outcome === 'Succeeded' ? REVERSE_REPLICATING_OPERATIONS : COMMITTED_OPERATIONS;
  }
}

/**
 * A committed failover: the workload runs in the recovery site; it may fail back (a planned
 * failover, RecoveryToPrimary) or keep the primary site in sync first (ReverseReplicate = reProtect
 * RecoveryToPrimary, continuous reverse replication).
 */
export const COMMITTED_OPERATIONS: AllowedOperation[] = ['PlannedFailover', 'ReverseReplicate'];

/** Reverse replication runs: fail back (a planned failover, RecoveryToPrimary) or stop it (failoverCancel). */
export const REVERSE_REPLICATING_OPERATIONS: AllowedOperation[] = ['PlannedFailover', 'CancelFailover'];

/** Where the workload runs after `scenario` succeeded (`activeLocation`), when it changes. */
export function activeLocationAfter(scenario: RecoveryScenario): 'Primary' | 'Recovery' | undefined {
  if (scenario === 'PlannedFailover' || scenario === 'UnplannedFailover' || scenario === 'FailbackCancel') return 'Recovery';
  if (scenario === 'CancelFailover' || scenario === 'Failback') return 'Primary';
  return undefined;
}
