import type { ScenarioOutcome } from '../plan/allowedOperations';
import type { RecoveryScenario } from '../plan/RecoveryScenario';

/**
 * ASR's test failover state of an item (`testFailoverState`) after a test failover or its
 * cleanup reached an outcome: `InProgress` while machines come up, `WaitingForCleanup` once they
 * run (the test is on), `Failed` when they did not come up (a cleanup is still needed),
 * `CleanupInProgress` / `CleanupFailed` for the cleanup, `None` once it removed everything.
 */
const TEST_STATE: Partial<Record<RecoveryScenario, Record<ScenarioOutcome, string>>> = {
  TestFailover: { Started: 'InProgress', Succeeded: 'WaitingForCleanup', Failed: 'Failed', Cancelled: 'Failed' },
  TestFailoverCleanup: { Started: 'CleanupInProgress', Succeeded: 'None', Failed: 'CleanupFailed', Cancelled: 'CleanupFailed' },
};

/** The plan's field ASR keeps for the last success of each failover kind. */
const PLAN_TIME: Partial<Record<RecoveryScenario, string>> = {
  TestFailover: 'lastTestFailoverTime', PlannedFailover: 'lastPlannedFailoverTime', UnplannedFailover: 'lastUnplannedFailoverTime',
};

/** The item's field ASR keeps for the last success of each failover kind. */
const ITEM_TIME: Partial<Record<RecoveryScenario, string>> = {
  TestFailover: 'lastSuccessfulTestFailoverTime', PlannedFailover: 'lastSuccessfulFailoverTime', UnplannedFailover: 'lastSuccessfulFailoverTime',
};

/**
 * The fields of ASR's plan and item models that a scenario's outcome sets: the test failover
 * state of items and the time of the last successful (test) failover. The job that changes
 * them sets them, when the scenario starts or ends (docs/recovery-plans.md, "Test failover state").
 */
export function scenarioMarks(scenario: RecoveryScenario, outcome: ScenarioOutcome, at: string, target: 'plan' | 'item'): Record<string, string> {
  const out: Record<string, string> = {};
  const test = TEST_STATE[scenario]?.[outcome];
  if (test && target === 'item') {
    out.testFailoverState = test;
    out.testFailoverStateDescription = `${scenario} ${outcome.toLowerCase()} at ${at}`;
  }
  const time = (target === 'plan' ? PLAN_TIME : ITEM_TIME)[scenario];
  if (time && outcome === 'Succeeded') out[time] = at;
  return out;
}
