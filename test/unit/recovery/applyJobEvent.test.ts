import { applyJobEvent, type RecoveryJobState } from '../../../shared/recovery/plan/applyJobEvent';
import type { JobEvent } from '../../../shared/recovery/plan/JobEvent';
import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';

const { tasks } = planRecoverySteps({
  targetId: '/p', targetName: 'p', targetType: 'RecoveryPlan',
  groups: [{
    groupType: 'Boot', items: [{ itemId: '/i/a', name: 'a' }, { itemId: '/i/b', name: 'b' }], startGroupActions: [],
    endGroupActions: [{ actionName: 'ok', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails' } }],
  }],
}, 'TestFailover', { direction: 'PrimaryToRecovery' });

const fresh = (): RecoveryJobState => ({
  activityId: 'x', scenarioName: 'TestFailover', friendlyName: 'f', state: 'NotStarted', stateDescription: 'NotStarted', tasks: structuredClone(tasks),
  errors: [], startTime: '2026-01-01T00:00:00.000Z', allowedActions: ['Cancel'], targetObjectId: '/p', targetObjectName: 'p', targetInstanceType: 'RecoveryPlan', customDetails: {},
});
const run = (events: JobEvent[]) => events.reduce(applyJobEvent, fresh());
const t = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const error = { code: 'X', message: 'broke', possibleCauses: 'c', recommendedAction: 'r' };

describe('applyJobEvent', () => {
  it('rolls machine tasks up into their group and counts them', () => {
    const job = run([{ type: 'jobStarted', at: t(1) }, { type: 'taskStarted', taskId: 'g0-m0', at: t(2) }, { type: 'taskSucceeded', taskId: 'g0-m0', at: t(3) }]);
    expect(job.state).toBe('InProgress');
    expect(job.tasks[1]).toMatchObject({ taskId: 'g0', state: 'InProgress', startTime: t(2), stateDescription: '1 of 2 virtual machines done' });
  });

  it('suspends the job on a manual task with Resume allowed, and resumes when the task ends', () => {
    let job = run([{ type: 'jobStarted', at: t(1) }, { type: 'taskSuspended', taskId: 'g0-end0', at: t(2), description: 'waiting', jobDescription: 'Waiting for ok', allowedActions: ['Resume'] }]);
    expect(job).toMatchObject({ state: 'Suspended', stateDescription: 'Waiting for ok', allowedActions: ['Cancel', 'Resume'] });
    job = applyJobEvent(job, { type: 'taskSucceeded', taskId: 'g0-end0', at: t(3) });
    expect(job).toMatchObject({ state: 'InProgress', allowedActions: ['Cancel'] });
  });

  it('is idempotent: the same event twice gives the same job (activities may run twice)', () => {
    const events: JobEvent[] = [{ type: 'jobStarted', at: t(1) }, { type: 'taskFailed', taskId: 'g0-m1', at: t(2), error }];
    const once = run(events);
    expect(applyJobEvent(once, events[1])).toEqual(once);
    expect(once.tasks[1].groupTaskCustomDetails!.childTasks[1].errors).toHaveLength(1);
  });

  it('a failed job stops whatever ran, records the error with its task, and allows Restart; later events change nothing', () => {
    let job = run([{ type: 'jobStarted', at: t(1) }, { type: 'taskStarted', taskId: 'g0-m0', at: t(2) }, { type: 'jobFailed', at: t(3), error, taskId: 'g0-m0' }]);
    expect(job).toMatchObject({ state: 'Failed', endTime: t(3), allowedActions: ['Restart'], errors: [{ serviceErrorDetails: error, taskId: 'g0-m0', creationTime: t(3) }] });
    expect(job.tasks[1].groupTaskCustomDetails!.childTasks[0].state).toBe('Failed');
    const after = applyJobEvent(job, { type: 'taskSucceeded', taskId: 'g0-m1', at: t(4) });
    expect(after).toEqual(job);
    job = applyJobEvent(job, { type: 'jobSucceeded', at: t(5) });
    expect(job.state).toBe('Failed');
  });

  it('a cancel request is remembered and takes Cancel off the allowed actions', () => {
    const job = run([{ type: 'jobStarted', at: t(1) }, { type: 'cancelRequested', at: t(2) }]);
    expect(job).toMatchObject({ cancelRequested: true, stateDescription: 'Cancelling', allowedActions: [] });
  });
});
