import type { RecoveryJobDocument } from '../../../shared/recovery/jobs/RecoveryJobDocument';
import type { AsrTask } from '../../../shared/recovery/plan/AsrJob';

export const HOSTILE = '<script>alert("x")</script> & \'quotes\'';

function task(taskId: string, taskType: string, extra: Partial<AsrTask> = {}): AsrTask {
  return { taskId, name: taskId, friendlyName: taskId, state: 'Succeeded', stateDescription: 'Completed', taskType, allowedActions: [], errors: [], ...extra };
}

/** A test failover of a two-machine plan waiting for its cleanup, as the job document stores it. */
export function testFailoverJob(vaultKey = 'v', armId = '/subscriptions/s/…/replicationJobs/job1'): RecoveryJobDocument {
  const vm = (taskId: string, name: string, upAt: string, pointTime: string, probeAt: string, ok = true): AsrTask => task(taskId, 'VmTask', {
    name, startTime: '2026-11-22T01:10:01.000Z', endTime: upAt,
    customDetails: {
      instanceType: 'VirtualMachineTaskDetails', jobTask: { targetObjectId: `/x/replicationProtectedItems/${name}` },
      machineName: `${name}-dr-test`, ipAddresses: ['10.0.0.4'], disks: [{ name: 'os', pointTime }, { name: 'data', pointTime: '2026-11-22T01:09:00.000Z' }],
      probes: [{ machine: `${name}-dr-test`, probe: 'http', ok, expected: 'GET :80/ answers 200', got: ok ? '200' : '503', at: probeAt }],
    },
  });
  return {
    id: 'job1', vaultKey, name: 'job1', armId, createdAt: '2026-11-22T01:10:00.000Z',
    recovery: { input: { point: { kind: 'Latest' } } as never },
    properties: {
      activityId: 'a', scenarioName: 'TestFailover', friendlyName: 'Test failover', state: 'Suspended', stateDescription: 'WaitingForStopTestFailover',
      startTime: '2026-11-22T01:10:00.000Z', allowedActions: ['Cancel'], targetObjectId: '/x/replicationRecoveryPlans/plan1', targetObjectName: HOSTILE,
      targetInstanceType: 'RecoveryPlan', customDetails: {}, errors: [],
      tasks: [
        task('prereq', 'PrerequisiteTask', { startTime: '2026-11-22T01:10:00.000Z', endTime: '2026-11-22T01:10:01.000Z' }),
        task('g2', 'GroupTask', {
          startTime: '2026-11-22T01:10:01.000Z', endTime: '2026-11-22T01:10:40.000Z',
          groupTaskCustomDetails: {
            instanceType: 'RecoveryPlanGroupTaskDetails', groupId: 'Group 1', rpGroupType: 'Boot',
            childTasks: [vm('g2-m0', 'web', '2026-11-22T01:10:30.000Z', '2026-11-22T01:09:30.000Z', '2026-11-22T01:10:29.000Z'), vm('g2-m1', 'db', '2026-11-22T01:10:40.000Z', '2026-11-22T01:09:40.000Z', '2026-11-22T01:10:39.500Z')],
          },
        }),
        task('g2-end0', 'ManualActionTask', {
          startTime: '2026-11-22T01:10:40.000Z', endTime: '2026-11-22T01:12:00.000Z',
          customDetails: { instanceType: 'ManualActionTaskDetails', name: 'check-app', instructions: 'Check the order page', observation: HOSTILE, resumedBy: 'alice (Alice)' },
        }),
        task('complete-test', 'ManualActionTask', { state: 'Suspended', startTime: '2026-11-22T01:12:00.000Z' }),
      ],
    },
  };
}

