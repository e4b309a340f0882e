import { scenarioMarks } from '../../../shared/recovery/jobs/scenarioTimes';

const AT = '2026-12-05T04:00:00.000Z';

/** The ASR fields a job's scenario outcome sets on plans and items (docs/recovery-plans.md, "Test failover state"). */
describe('scenarioMarks', () => {
  it('a test failover that brought its machines up: items wait for the cleanup, times on item and plan', () => {
    expect(scenarioMarks('TestFailover', 'Succeeded', AT, 'item')).toEqual({
      testFailoverState: 'WaitingForCleanup', testFailoverStateDescription: `TestFailover succeeded at ${AT}`, lastSuccessfulTestFailoverTime: AT,
    });
    expect(scenarioMarks('TestFailover', 'Succeeded', AT, 'plan')).toEqual({ lastTestFailoverTime: AT });
  });

  it('a failed test failover sets no time; its cleanup brings the state back to None', () => {
    expect(scenarioMarks('TestFailover', 'Failed', AT, 'item')).toMatchObject({ testFailoverState: 'Failed' });
    expect(scenarioMarks('TestFailover', 'Failed', AT, 'item')).not.toHaveProperty('lastSuccessfulTestFailoverTime');
    expect(scenarioMarks('TestFailoverCleanup', 'Succeeded', AT, 'item')).toMatchObject({ testFailoverState: 'None' });
    expect(scenarioMarks('TestFailoverCleanup', 'Succeeded', AT, 'plan')).toEqual({});
  });

  it('failovers set the last failover times of item and plan, and no test state', () => {
    expect(scenarioMarks('PlannedFailover', 'Succeeded', AT, 'item')).toEqual({ lastSuccessfulFailoverTime: AT });
    expect(scenarioMarks('PlannedFailover', 'Succeeded', AT, 'plan')).toEqual({ lastPlannedFailoverTime: AT });
    expect(scenarioMarks('UnplannedFailover', 'Succeeded', AT, 'plan')).toEqual({ lastUnplannedFailoverTime: AT });
    expect(scenarioMarks('UnplannedFailover', 'Failed', AT, 'plan')).toEqual({});
  });
});
