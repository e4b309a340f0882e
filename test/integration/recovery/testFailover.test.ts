import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import {
  createSite, jobOf, ReplicatedDisk, startRecoveryHost, taskStates, V, waitForJob, type RecoveryHost,
} from './recoveryHarness';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 1, 0);
const PLAN = `${V}/replicationRecoveryPlans/three-tier`;

/**
 * End to end on the local host (funclocal running the compiled app, Durable Functions with
 * history in Azurite, Cosmos DB, the local fabric): a three-group plan with a runbook before
 * group 2 and a manual action after it, test failover then cleanup.
 */
describe('test failover of a three-group plan, then cleanup (funclocal, Azurite, Cosmos DB, qemu-img)', () => {
  let h: RecoveryHost;
  const disks: Record<string, ReplicatedDisk> = {};
  let ids: Record<string, string>;
  let testJob: string;

  beforeAll(async () => {
    h = await startRecoveryHost();
    ids = await createSite(h, [
      { name: 'web', disks: ['os'], ip: '10.1.0.4' },
      { name: 'app', disks: ['os', 'data'], ip: '10.1.0.5' },
      { name: 'db', disks: ['os'] },
      { name: 'fe', disks: ['os'] },
    ]);
    for (const [item, ds] of [['web', ['os']], ['app', ['os', 'data']], ['db', ['os']], ['fe', ['os']]] as const) {
      for (const d of ds) {
        const disk = new ReplicatedDisk(h, item, d, 4 * MIB);
        await disk.change(T0, [`write -P 0x11 0 1M`], { full: true });
        await disk.change(T0 + 5 * MIN, [`write -P 0x22 512k 64k`]);
        disks[`${item}/${d}`] = disk;
      }
    }
    const runbook = {
      actionName: 'open-firewall', failoverTypes: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'],
      customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/open-firewall', timeout: 'PT1M', fabricLocation: 'Recovery' },
    };
    const manual = {
      actionName: 'check-app', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'],
      customDetails: { instanceType: 'ManualActionDetails', description: 'Log in to app-dr and check the order page' },
    };
    const plan = await h.call('PUT', PLAN, {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.web }] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.app }, { id: ids.db }], startGroupActions: [runbook], endGroupActions: [manual] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.fe }] },
        ],
      },
    });
    expect(plan.status).toBeLessThan(300);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('runs groups in order, the runbook before group 2 and the manual action after it, suspending on the manual action', async () => {
    // A log the merge has not seen yet: "Latest" must drain it first.
    const pending = await disks['web/os'].change(T0 + 7 * MIN, ['write -P 0x33 2M 128k'], { merge: false });
    const started = await h.call('POST', `${PLAN}/testFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: 'test-vnet', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' }] },
    }, 'Operator');
    testJob = jobOf(started);
    expect(started.headers.get('retry-after')).toBeTruthy();
    expect(started.body.properties.currentScenario).toMatchObject({ scenarioName: 'TestFailover', jobId: `${V}/replicationJobs/${testJob}` });
    expect(started.body.properties.allowedOperations).toEqual(['TestFailoverCleanup']);

    // One scenario at a time: a failover of the plan, or of one of its items, is refused while the test runs.
    const second = await h.call('POST', `${PLAN}/plannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain('TestFailoverCleanup');
    const itemFailover = await h.call('POST', `${ids.web}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
    expect(itemFailover.status).toBe(409);
    // Cleanup is the one operation allowed next, but not while the test failover still runs.
    const early = await h.call('POST', `${PLAN}/testFailoverCleanup`, {}, 'Operator');
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('still running');

    // The plan's LRO finishes when the job suspends on the manual action.
    const location = started.headers.get('location')!;
    let poll = await h.call('GET', location, undefined, 'Reader');
    const until = Date.now() + 90_000;
    while (poll.status === 202 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 300));
      poll = await h.call('GET', location, undefined, 'Reader');
    }
    expect(poll.status).toBe(200);
    expect(poll.body.name).toBe('three-tier');

    const job = await waitForJob(h, testJob, (j) => j.properties.state === 'Suspended');
    expect(job.properties.allowedActions).toEqual(expect.arrayContaining(['Resume', 'Cancel']));
    expect(taskStates(job)).toEqual([
      ['prereq', 'Succeeded'],
      ['g2', 'Succeeded'], ['g2-m0', 'Succeeded'],
      ['g3-start0', 'Succeeded'],
      ['g3', 'Succeeded'], ['g3-m0', 'Succeeded'], ['g3-m1', 'Succeeded'],
      ['g3-end0', 'Suspended'],
      ['g4', 'NotStarted'], ['g4-m0', 'NotStarted'],
      ['complete-test', 'NotStarted'],
    ]);
    const tasks = job.properties.tasks as any[];
    const manual = tasks.find((t) => t.taskId === 'g3-end0');
    expect(manual.customDetails).toMatchObject({ instanceType: 'ManualActionTaskDetails', name: 'check-app', instructions: 'Log in to app-dr and check the order page' });
    const runbook = tasks.find((t) => t.taskId === 'g3-start0');
    expect(runbook.customDetails).toMatchObject({ instanceType: 'AutomationRunbookTaskDetails', runbookName: 'open-firewall', jobOutput: 'runbook ok' });
    // Group 1 ended before the runbook started, and the runbook before group 2.
    const g2 = tasks.find((t) => t.taskId === 'g2');
    const g3 = tasks.find((t) => t.taskId === 'g3');
    expect(Date.parse(g2.endTime)).toBeLessThanOrEqual(Date.parse(runbook.startTime));
    expect(Date.parse(runbook.endTime)).toBeLessThanOrEqual(Date.parse(g3.startTime));

    // The webhook got ASR's recovery plan context with group 1's machine, its new name and IP.
    expect(h.automation.calls).toHaveLength(1);
    const ctx = h.automation.calls[0].body;
    expect(ctx).toMatchObject({ RecoveryPlanName: 'three-tier', FailoverType: 'Test', FailoverDirection: 'PrimaryToSecondary', GroupId: 'Group2' });
    expect(ctx.VmMap[ids.web]).toMatchObject({ RoleName: 'web-dr-test', IPAddresses: ['10.1.0.4'] });
    expect(ctx.callbackUrl).toContain('token=');
    expect(h.automation.callbacks[0].status).toBe(202);

    // Recovered disks are the source at the point: web at the drained pending log, the others at their last log.
    expect((await disks['web/os'].sameAs('asr-recovery/web-dr-test/os.vhd', pending)).same).toBe(true);
    for (const key of ['app/os', 'app/data', 'db/os']) {
      const d = disks[key];
      const [item, disk] = key.split('/');
      const r = await d.sameAs(`asr-recovery/${item}-dr-test/${disk}.vhd`, d.logs[d.logs.length - 1]);
      expect(r.same).toBe(true);
    }
  }, 180_000);

  it('a callback token is single use', async () => {
    const url = h.automation.calls[0].body.callbackUrl as string;
    const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Succeeded' }) });
    expect(again.status).toBe(409);
  });

  it('resume through the API completes the manual action; the job then waits for cleanup (WaitingForStopTestFailover)', async () => {
    const readerResume = await h.call('POST', `${V}/replicationJobs/${testJob}/resume`, { properties: { comments: 'nope' } }, 'Reader');
    expect(readerResume.status).toBe(403);
    const resumed = await h.call('POST', `${V}/replicationJobs/${testJob}/resume`, { properties: { comments: 'order page OK' } }, 'Operator');
    expect(resumed.status).toBe(200);
    const job = await waitForJob(h, testJob, (j) => j.properties.stateDescription === 'WaitingForStopTestFailover');
    expect(job.properties.state).toBe('Suspended');
    expect(taskStates(job).filter(([id]) => id !== 'complete-test').every(([, s]) => s === 'Succeeded')).toBe(true);
    expect(taskStates(job).find(([id]) => id === 'complete-test')![1]).toBe('Suspended');
    const manual = (job.properties.tasks as any[]).find((t) => t.taskId === 'g3-end0');
    expect(manual.customDetails.observation).toBe('order page OK');
    // Resuming again is refused: nothing manual is waiting.
    expect((await h.call('POST', `${V}/replicationJobs/${testJob}/resume`, {}, 'Operator')).status).toBe(409);
    const fe = disks['fe/os'];
    expect((await fe.sameAs('asr-recovery/fe-dr-test/os.vhd', fe.logs[fe.logs.length - 1])).same).toBe(true);
    const plan = await h.call('GET', PLAN, undefined, 'Reader');
    expect(plan.body.properties.allowedOperations).toEqual(['TestFailoverCleanup']);
  }, 120_000);

  it('cleanup removes every test machine and disk, completes the test job and frees the plan', async () => {
    const cleanup = await h.call('POST', `${PLAN}/testFailoverCleanup`, { properties: { comments: 'test passed' } }, 'Operator');
    const cleanupJob = jobOf(cleanup);
    const done = await waitForJob(h, cleanupJob, (j) => ['Succeeded', 'Failed'].includes(j.properties.state));
    expect(done.properties.state).toBe('Succeeded');
    expect(done.properties.scenarioName).toBe('TestFailoverCleanup');
    const test = await waitForJob(h, testJob, (j) => j.properties.state === 'Succeeded');
    expect(taskStates(test).every(([, s]) => s === 'Succeeded')).toBe(true);
    const left: string[] = [];
    for (const c of Object.values(FABRIC_CONTAINERS)) {
      for await (const b of h.blobs.getContainerClient(c).listBlobsFlat()) left.push(b.name);
    }
    expect(left).toEqual([]);
    const plan = await h.call('GET', PLAN, undefined, 'Reader');
    expect(plan.body.properties.allowedOperations).toEqual(['TestFailover', 'PlannedFailover', 'UnplannedFailover']);
    const jobs = await h.call('GET', `${V}/replicationJobs`, undefined, 'Reader');
    expect(jobs.body.value.map((j: any) => j.properties.scenarioName).sort()).toEqual(['TestFailover', 'TestFailoverCleanup']);
  }, 120_000);
});
