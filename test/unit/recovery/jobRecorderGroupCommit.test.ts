import { ensureMetadataStore, type MetadataStore } from '../../../shared/metadata';
import { JobRecorder } from '../../../shared/recovery/jobs/JobRecorder';
import type { RecoveryJobDocument } from '../../../shared/recovery/jobs/RecoveryJobDocument';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';

const VAULT_KEY = '5e7c1b2a-0000-4000-8000-000000000017/rg/v1';
const V = '/subscriptions/5e7c1b2a-0000-4000-8000-000000000017/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1';
const AT = '2026-12-05T21:00:00.000Z';

describe('JobRecorder: machines reporting at once share writes of the job (group commit, Cosmos DB)', () => {
  let cosmos: TestCosmos;
  let store: MetadataStore;

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'recorder', jobTtlSeconds: 60, auditTtlSeconds: 60 });
  });
  afterAll(async () => { await cosmos.stop(); });

  async function createJob(name: string, machines: number): Promise<RecoveryJobDocument> {
    const doc = {
      id: name, vaultKey: VAULT_KEY, name, armId: `${V}/replicationJobs/${name}`, createdAt: AT,
      properties: {
        activityId: name, scenarioName: 'TestFailover', friendlyName: 'Test failover of big', state: 'InProgress', stateDescription: 'InProgress',
        tasks: Array.from({ length: machines }, (_, i) => ({ taskId: `vm${i}`, name: `vm${i}`, friendlyName: `Failover vm${i}`, state: 'NotStarted', stateDescription: 'NotStarted', taskType: 'AsrTask', allowedActions: [], errors: [] })),
        errors: [], startTime: AT, allowedActions: ['Cancel'], targetObjectId: `${V}/replicationRecoveryPlans/big`, targetObjectName: 'big', targetInstanceType: 'RecoveryPlan', customDetails: {},
      },
      recovery: { input: {} },
    } as unknown as RecoveryJobDocument;
    return store.createJob(doc);
  }

  it('records 50 machines\' concurrent progress with every event kept and a handful of writes, not one racing write each', async () => {
    const job = await createJob('group-commit', 50);
    const replace = jest.spyOn(store, 'replaceJob');
    // Two recorders on one store (as the activities and the service hold theirs) join the same writes.
    const recorders = [new JobRecorder(store), new JobRecorder(store)];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      recorders[i % 2].record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: `vm${i}`, at: AT }, { type: 'taskSucceeded', taskId: `vm${i}`, at: AT }])));
    const writes = replace.mock.calls.length;
    replace.mockRestore();
    expect(results.every((r) => r.state === 'InProgress' && !r.cancelRequested)).toBe(true);
    const stored = (await store.getJob<RecoveryJobDocument>(VAULT_KEY, job.name))!;
    expect(stored.properties.tasks.map((t) => t.state)).toEqual(Array(50).fill('Succeeded'));
    // Two batches (the first caller's, then the 49 that came while it wrote), each followed by
    // the write that clears the events it raised from the job's outbox; without group commit, 100+.
    expect(writes).toBeLessThanOrEqual(4);
  });

  it('fails only the caller whose event cannot apply; the others sharing its write still land', async () => {
    const job = await createJob('one-bad', 3);
    const recorder = new JobRecorder(store);
    const outcomes = await Promise.allSettled([
      recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'vm0', at: AT }]),
      recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'vm1', at: AT }]),
      recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'no-such-task', at: AT }]),
      recorder.record(VAULT_KEY, job.name, [{ type: 'taskStarted', taskId: 'vm2', at: AT }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toContain("no task 'no-such-task'");
    const stored = (await store.getJob<RecoveryJobDocument>(VAULT_KEY, job.name))!;
    expect(stored.properties.tasks.map((t) => t.state)).toEqual(['InProgress', 'InProgress', 'InProgress']);
  });
});
