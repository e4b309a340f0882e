import { ensureMetadataStore, type MetadataStore } from '../../../shared/metadata';
import { JobRecorder } from '../../../shared/recovery/jobs/JobRecorder';
import { putMachineTaskReport, withRunningGroups } from '../../../shared/recovery/jobs/machineTaskReports';
import { applyJobEvents, type RecoveryJobState } from '../../../shared/recovery/plan/applyJobEvent';
import type { JobEvent } from '../../../shared/recovery/plan/JobEvent';
import type { RecoveryJobDocument } from '../../../shared/recovery/jobs/RecoveryJobDocument';
import type { AsrTask } from '../../../shared/recovery/plan/AsrJob';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';

const VAULT_KEY = '5e7c1b2a-0000-4000-8000-000000000017/rg/v1';
const V = '/subscriptions/5e7c1b2a-0000-4000-8000-000000000017/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1';
const AT = '2026-12-05T21:00:00.000Z';
const END = '2026-12-05T21:00:05.000Z';

const task = (taskId: string, children?: AsrTask[]): AsrTask => ({
  taskId, name: taskId, friendlyName: taskId, state: 'NotStarted', stateDescription: 'NotStarted', taskType: children ? 'GroupTask' : 'AsrTask', allowedActions: [], errors: [],
  ...(children ? { groupTaskCustomDetails: { instanceType: 'RecoveryPlanGroupTaskDetails', groupId: taskId, rpGroupType: 'Boot', childTasks: children } } : {}),
});

describe('JobRecorder: machine tasks report beside the job and their group folds them in (issue 17, Cosmos DB)', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'reports', jobTtlSeconds: 60, auditTtlSeconds: 60 });
  });
  afterAll(async () => { await cosmos.stop(); });

  async function createJob(name: string, machines: number): Promise<RecoveryJobDocument> {
    const children = Array.from({ length: machines }, (_, i) => task(`g0-vm${i}`));
    return store.createJob({
      id: name, vaultKey: VAULT_KEY, name, armId: `${V}/replicationJobs/${name}`, createdAt: AT,
      properties: {
        activityId: name, scenarioName: 'TestFailover', friendlyName: 'Test failover of big', state: 'InProgress', stateDescription: 'InProgress',
        tasks: [task('prereq'), task('g0', children), task('g1', [task('g1-vm0')])], errors: [], startTime: AT, allowedActions: ['Cancel'],
        targetObjectId: `${V}/replicationRecoveryPlans/big`, targetObjectName: 'big', targetInstanceType: 'RecoveryPlan', customDetails: {},
      },
      recovery: { input: {} },
    } as unknown as RecoveryJobDocument);
  }

  it('30 machines report without writing the job; readers see their progress; the fold writes it once and the job then reads the same', async () => {
    const job = await createJob('reports', 30);
    const recorder = new JobRecorder(store);
    await recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'g0', at: AT }]);
    const replace = jest.spyOn(store, 'replaceJob');
    const states = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const id = `g0-vm${i}`;
      await recorder.recordTask(VAULT_KEY, job.name, 'g0', id, [{ type: 'taskStarted', taskId: id, at: AT }, { type: 'taskProgress', taskId: id, description: 'Materialising 1 disk(s)' }]);
      return i % 10 === 9
        ? recorder.recordTask(VAULT_KEY, job.name, 'g0', id, [{ type: 'taskFailed', taskId: id, at: END, error: { code: 'DiskDigestMismatch', message: `${id} differs`, possibleCauses: 'x', recommendedAction: 'y' } }])
        : recorder.recordTask(VAULT_KEY, job.name, 'g0', id, [{ type: 'taskSucceeded', taskId: id, at: END, description: `${id} is running` }]);
    }));
    expect(replace).not.toHaveBeenCalled();
    expect(states.every((s) => s.state === 'InProgress' && !s.cancelRequested)).toBe(true);

    const stored = await recorder.get(VAULT_KEY, job.name);
    expect(stored.properties.tasks[1].groupTaskCustomDetails!.childTasks.every((t) => t.state === 'NotStarted')).toBe(true);
    const seen = await recorder.view(VAULT_KEY, job.name);
    const children = seen.properties.tasks[1].groupTaskCustomDetails!.childTasks;
    expect(children.filter((t) => t.state === 'Succeeded')).toHaveLength(27);
    expect(children[9]).toMatchObject({ state: 'Failed', startTime: AT, endTime: END, stateDescription: 'g0-vm9 differs', errors: [{ serviceErrorDetails: { code: 'DiskDigestMismatch' } }] });
    expect(children[0]).toMatchObject({ state: 'Succeeded', stateDescription: 'g0-vm0 is running', startTime: AT, endTime: END });
    expect(seen.properties.tasks[1].stateDescription).toBe('30 of 30 virtual machines done');

    await recorder.record(VAULT_KEY, job.name, [], { foldGroup: 'g0' });
    expect(replace).toHaveBeenCalledTimes(1);
    replace.mockRestore();
    const folded = await recorder.get(VAULT_KEY, job.name);
    expect(folded.properties).toEqual(seen.properties);
    // Between the fold and the group's end the group still runs: its reports apply again, changing nothing.
    expect((await recorder.view(VAULT_KEY, job.name)).properties).toEqual(folded.properties);
  });

  it('a machine report answers a cancel request; a finished job reads as stored', async () => {
    const job = await createJob('cancel', 2);
    const recorder = new JobRecorder(store);
    await recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'g0', at: AT }, { type: 'cancelRequested', at: AT }]);
    const r = await recorder.recordTask(VAULT_KEY, job.name, 'g0', 'g0-vm0', [{ type: 'taskStarted', taskId: 'g0-vm0', at: AT }]);
    expect(r).toEqual({ state: 'InProgress', cancelRequested: true });
    await recorder.record(VAULT_KEY, job.name, [{ type: 'jobCancelled', at: END, error: { code: 'JobCancelled', message: 'cancelled', possibleCauses: 'x', recommendedAction: 'y' } }]);
    const seen = await recorder.view(VAULT_KEY, job.name);
    expect(seen.properties.tasks[1].groupTaskCustomDetails!.childTasks[0].state).toBe('NotStarted');
  });

  it('applies the running group\'s reports as the whole job would, copying that group only (the others are shared, unchanged)', async () => {
    const done = (t: AsrTask): AsrTask => ({ ...t, state: 'Succeeded', stateDescription: 'Succeeded', startTime: AT, endTime: END });
    const finished = { ...done(task('g0', [done(task('g0-vm0')), done(task('g0-vm1'))])) };
    const running = { ...task('g1', [task('g1-vm0'), task('g1-vm1')]), state: 'InProgress' as const, stateDescription: 'InProgress', startTime: AT };
    const job = {
      activityId: 'a', scenarioName: 'TestFailover', friendlyName: 'f', state: 'InProgress', stateDescription: 'InProgress', errors: [], startTime: AT, allowedActions: ['Cancel'],
      targetObjectId: 'x', targetObjectName: 'x', targetInstanceType: 'RecoveryPlan', customDetails: {},
      tasks: [done(task('prereq')), finished, running, task('g2', [task('g2-vm0')])],
    } as unknown as RecoveryJobState;
    const reports: [string, JobEvent[]][] = [
      ['g1-vm0', [{ type: 'taskStarted', taskId: 'g1-vm0', at: AT }, { type: 'taskSucceeded', taskId: 'g1-vm0', at: END, description: 'g1-vm0 is running' }]],
      ['g1-vm1', [{ type: 'taskStarted', taskId: 'g1-vm1', at: AT }]],
    ];
    for (const [taskId, events] of reports) await putMachineTaskReport(store, VAULT_KEY, 'narrow', 'g1', taskId, events);
    // Frozen as a spilled job's shared chunks are: changing them would throw.
    Object.freeze(finished); Object.freeze(finished.groupTaskCustomDetails!.childTasks); finished.groupTaskCustomDetails!.childTasks.forEach((t) => Object.freeze(t));
    const seen = await withRunningGroups(store, VAULT_KEY, 'narrow', job);
    expect(seen).toEqual(applyJobEvents(job, reports.flatMap(([, e]) => e), { skipUnknownTasks: true }));
    expect(seen.tasks[1]).toBe(finished);
    expect(seen.tasks[2]).not.toBe(running);
    expect(seen.tasks[2].groupTaskCustomDetails!.childTasks.map((t) => t.state)).toEqual(['Succeeded', 'InProgress']);
    expect(running.groupTaskCustomDetails!.childTasks[0].state).toBe('NotStarted');
    // A Suspended job is judged on all its tasks: the same answer as the whole job's.
    const suspended = { ...job, state: 'Suspended' } as RecoveryJobState;
    expect(await withRunningGroups(store, VAULT_KEY, 'narrow', suspended)).toEqual(applyJobEvents(suspended, reports.flatMap(([, e]) => e), { skipUnknownTasks: true }));
  });
});
