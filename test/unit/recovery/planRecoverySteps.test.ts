import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';
import type { PlanAction, PlanSnapshot } from '../../../shared/recovery/plan/PlanSnapshot';

const runbook = (name: string, types: string[]): PlanAction => ({
  actionName: name, failoverTypes: types, failoverDirections: ['PrimaryToRecovery'],
  customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: `/runbooks/${name}`, fabricLocation: 'Recovery' },
});
const manual = (name: string): PlanAction => ({
  actionName: name, failoverTypes: ['TestFailover', 'PlannedFailover'], failoverDirections: ['PrimaryToRecovery'],
  customDetails: { instanceType: 'ManualActionDetails', description: 'do it' },
});

const plan: PlanSnapshot = {
  targetId: '/v/replicationRecoveryPlans/p', targetName: 'p', targetType: 'RecoveryPlan',
  groups: [
    { groupType: 'Shutdown', items: [], startGroupActions: [], endGroupActions: [] },
    { groupType: 'Failover', items: [], startGroupActions: [runbook('pre', ['UnplannedFailover'])], endGroupActions: [] },
    { groupType: 'Boot', items: [{ itemId: '/i/a', name: 'a' }], startGroupActions: [], endGroupActions: [] },
    { groupType: 'Boot', items: [{ itemId: '/i/b', name: 'b' }, { itemId: '/i/c', name: 'c' }], startGroupActions: [runbook('fw', ['TestFailover', 'UnplannedFailover'])], endGroupActions: [manual('check')] },
  ],
};

describe('planRecoverySteps', () => {
  it('orders a test failover: prerequisites, groups with their actions for that failover type, then the wait for cleanup', () => {
    const { steps, tasks } = planRecoverySteps(plan, 'TestFailover', { direction: 'PrimaryToRecovery' });
    expect(steps.map((s) => `${s.kind}:${s.taskId}`)).toEqual([
      'prerequisites:prereq', 'group:g2', 'action:g3-start0', 'group:g3', 'action:g3-end0', 'waitForCleanup:complete-test',
    ]);
    expect(tasks.map((t) => t.taskId)).toEqual(steps.map((s) => s.taskId));
    expect(tasks.every((t) => t.state === 'NotStarted')).toBe(true);
    const g3 = tasks.find((t) => t.taskId === 'g3')!;
    expect(g3.groupTaskCustomDetails!.childTasks.map((c) => [c.taskId, c.name])).toEqual([['g3-m0', 'b'], ['g3-m1', 'c']]);
    expect(tasks.find((t) => t.taskId === 'g3-end0')!.taskType).toBe('ManualActionTask');
    expect(g3.friendlyName).toBe('Group 2: Start virtual machines');
  });

  it('adds the shutdown for planned failover (waiting for final logs) and for unplanned with sourceSiteOperations Required (best effort)', () => {
    const planned = planRecoverySteps(plan, 'PlannedFailover', { direction: 'PrimaryToRecovery' });
    expect(planned.steps[1]).toMatchObject({ kind: 'shutdown', waitForFinalLog: true, items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    expect(planned.steps.filter((s) => s.kind === 'action').map((s) => s.taskId)).toEqual(['g3-end0']);
    const required = planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery', sourceSiteOperations: 'Required' });
    expect(required.steps[1]).toMatchObject({ kind: 'shutdown', waitForFinalLog: false });
    expect(required.steps.filter((s) => s.kind === 'action').map((s) => s.taskId)).toEqual(['g1-start0', 'g3-start0']);
    const notRequired = planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' });
    expect(notRequired.steps.some((s) => s.kind === 'shutdown')).toBe(false);
  });

  it('runs no actions for the other direction, and none for cleanup, commit or cancel', () => {
    expect(planRecoverySteps(plan, 'TestFailover', { direction: 'RecoveryToPrimary' }).steps.some((s) => s.kind === 'action')).toBe(false);
    for (const scenario of ['TestFailoverCleanup', 'FailoverCommit', 'CancelFailover'] as const) {
      const { steps } = planRecoverySteps(plan, scenario, { direction: 'PrimaryToRecovery' });
      expect(steps.map((s) => s.kind)).toEqual(['prerequisites', 'group', 'group']);
      expect(steps.filter((s) => s.kind === 'group').map((s) => (s as { operation: string }).operation)).toEqual(
        [scenario === 'TestFailoverCleanup' ? 'cleanupTest' : scenario === 'FailoverCommit' ? 'commit' : 'cancelFailover', expect.any(String)],
      );
    }
    // Each group and machine task reads as a sentence in the CLI and the console.
    const cleanup = planRecoverySteps(plan, 'TestFailoverCleanup', { direction: 'PrimaryToRecovery' }).tasks.find((t) => t.taskId === 'g2')!;
    expect(cleanup.friendlyName).toBe('Group 1: Clean up the test virtual machines');
    expect(cleanup.groupTaskCustomDetails!.childTasks[0].friendlyName).toBe('Clean up the test machine of a');
  });
});
