import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import { waitFor } from '../../support/waitFor';
import {
  createSite, jobOf, ReplicatedDisk, startRecoveryHost, taskStates, V, waitForJob, type RecoveryHost,
} from './recoveryHarness';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 2, 0);
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);

async function planWith(h: RecoveryHost, name: string, groups: unknown[]): Promise<string> {
  const id = `${V}/replicationRecoveryPlans/${name}`;
  const r = await h.call('PUT', id, { properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups } });
  if (r.status >= 300) throw new Error(`plan ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return id;
}

const runbookAction = (runbookId: string, timeout: string) => ({
  actionName: runbookId.split('/').pop(), failoverTypes: ['TestFailover', 'UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'],
  customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId, timeout, fabricLocation: 'Recovery' },
});

describe('planned and unplanned failover, commit and cancel, and failures with clear job errors (funclocal)', () => {
  let h: RecoveryHost;
  let ids: Record<string, string>;
  const disks: Record<string, ReplicatedDisk> = {};

  beforeAll(async () => {
    h = await startRecoveryHost({ ASR_LOCAL_FABRIC_FAULT_FAIL_START: 'broken-dr' });
    ids = await createSite(h, ['pf', 'uf', 'slow', 'lax', 'broken', 'man', 'rbfail'].map((name) => ({ name, disks: ['os'] })));
    for (const name of Object.keys(ids)) {
      const d = new ReplicatedDisk(h, name, 'os', 2 * MIB);
      await d.change(T0, ['write -P 0x41 0 512k'], { full: true });
      for (let i = 1; i <= 3; i++) await d.change(T0 + i * 5 * MIN, [`write -P 0x${(0x50 + i).toString(16)} ${i * 256}k 64k`]);
      disks[name] = d;
    }
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('planned failover asks the agent to stop, waits for its final log, recovers from it (no data loss) and commits', async () => {
    const plan = await planWith(h, 'planned', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.pf }] }]);
    const job = jobOf(await h.call('POST', `${plan}/plannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } }));
    // The agent: sees the request, stops, ships the final log with writes made after the last cut.
    const requests = new SourceShutdownRequests(h.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER));
    const request = await waitFor(() => requests.read(disks.pf.ref), { timeoutMs: 20_000, intervalMs: 200, describe: 'the planned failover to ask the source to shut down' });
    expect(request).toMatchObject({ jobId: job, shipFinalLog: true });
    const waiting = await waitForJob(h, job, (j) => /final logs/.test(j.properties.tasks.find((t: any) => t.taskId === 'shutdown')?.stateDescription ?? ''));
    expect(waiting.properties.state).toBe('InProgress');
    const final = await disks.pf.shipFinalLog(T0 + 17 * MIN, ['write -P 0x77 1M 128k']);

    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Succeeded');
    expect(taskStates(done)).toEqual([['prereq', 'Succeeded'], ['shutdown', 'Succeeded'], ['g2', 'Succeeded'], ['g2-m0', 'Succeeded']]);
    expect((await disks.pf.sameAs('asr-recovery/pf-dr/os.vhd', final)).same).toBe(true);
    expect(await requests.read(disks.pf.ref)).toBeUndefined();
    const item = await h.call('GET', ids.pf, undefined, 'Reader');
    expect(item.body.properties).toMatchObject({ activeLocation: 'Recovery', protectionState: 'FailedOver', allowedOperations: ['FailoverCommit', 'CancelFailover'] });

    const commit = jobOf(await h.call('POST', `${plan}/failoverCommit`, {}));
    expect((await waitForJob(h, commit, ended)).properties.state).toBe('Succeeded');
    const committed = await h.call('GET', ids.pf, undefined, 'Reader');
    // A committed failover allows the way home only: a failback (planned failover RecoveryToPrimary), not a failover forward.
    expect(committed.body.properties).toMatchObject({ protectionState: 'FailoverCommitted', allowedOperations: ['PlannedFailover', 'ReverseReplicate'] });
    const forward = await h.call('POST', `${plan}/plannedFailover`, {});
    expect([forward.status, forward.body.error.code]).toEqual([400, 'FailoverDirectionInvalid']);
  }, 120_000);

  it('unplanned failover of one item from an older recovery point, then cancel failover removes the machine', async () => {
    const points = await h.replication.recorder.list(disks.uf.ref);
    const older = points.find((p) => p.sequence < BigInt(disks.uf.logs.length))!;
    expect(older).toBeDefined();
    const started = await h.call('POST', `${ids.uf}/unplannedFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointId: `${ids.uf}/recoveryPoints/${older.id}` } },
    });
    const job = jobOf(started);
    expect(started.headers.get('location')).toContain(`${ids.uf}/operationresults/${job}`);
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Succeeded');
    expect(done.properties.targetInstanceType).toBe('ProtectionEntity');
    expect(taskStates(done).map(([id]) => id)).toEqual(['prereq', 'g0', 'g0-m0']);  // no shutdown: NotRequired
    const log = disks.uf.logs.find((l) => l.sequence === older.sequence)!;
    expect((await disks.uf.sameAs('asr-recovery/uf-dr/os.vhd', log)).same).toBe(true);
    expect((await disks.uf.sameAs('asr-recovery/uf-dr/os.vhd', disks.uf.logs[disks.uf.logs.length - 1])).same).toBe(false);

    const cancel = jobOf(await h.call('POST', `${ids.uf}/failoverCancel`, {}));
    expect((await waitForJob(h, cancel, ended)).properties.state).toBe('Succeeded');
    const machines: string[] = [];
    for await (const b of h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).listBlobsFlat({ prefix: 'asr-recovery/uf-dr' })) machines.push(b.name);
    expect(machines).toEqual([]);
    const item = await h.call('GET', ids.uf, undefined, 'Reader');
    expect(item.body.properties).toMatchObject({ activeLocation: 'Primary', allowedOperations: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'] });
  }, 120_000);

  it('unplanned failover to a point in time between recovery points replays the journal to the newest log at or before it', async () => {
    const at = new Date(T0 + 11 * MIN).toISOString(); // logs were cut at T0, +5, +10, +15 min
    const job = jobOf(await h.call('POST', `${ids.uf}/unplannedFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointTime: at } },
    }));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Succeeded');
    expect(done.properties.tasks[1].groupTaskCustomDetails.childTasks[0].stateDescription).toContain(at);
    expect((await disks.uf.sameAs('asr-recovery/uf-dr/os.vhd', disks.uf.logs[2])).same).toBe(true);
    const cancel = jobOf(await h.call('POST', `${ids.uf}/failoverCancel`, {}));
    expect((await waitForJob(h, cancel, ended)).properties.state).toBe('Succeeded');
  }, 120_000);

  it('a runbook that never calls back fails the job at its timeout, naming the action', async () => {
    h.automation.behaviour = { mode: 'silent' };
    const plan = await planWith(h, 'slow-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.slow }], endGroupActions: [runbookAction('/runbooks/slow', 'PT3S')] }]);
    const job = jobOf(await h.call('POST', `${plan}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Failed');
    const err = done.properties.errors[0];
    expect(err.serviceErrorDetails.code).toBe('ActionTimedOut');
    expect(err.serviceErrorDetails.message).toContain('"slow"');
    expect(err.serviceErrorDetails.recommendedAction).not.toBe('');
    expect(err.taskId).toBe('g2-end0');
    expect(taskStates(done)).toEqual([['prereq', 'Succeeded'], ['g2', 'Succeeded'], ['g2-m0', 'Succeeded'], ['g2-end0', 'Failed'], ['complete-test', 'NotStarted']]);
    // What the failed test created can still be cleaned up.
    const planDoc = await h.call('GET', plan, undefined, 'Reader');
    expect(planDoc.body.properties.allowedOperations).toEqual(['TestFailoverCleanup']);
  }, 60_000);

  it('a runbook that reports failure fails the job with the action\'s name and output', async () => {
    h.automation.behaviour = { mode: 'callback', status: 'Failed', output: 'firewall API answered 500', delayMs: 100 };
    const plan = await planWith(h, 'rbfail-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.rbfail }], startGroupActions: [runbookAction('/runbooks/open-firewall', 'PT1M')] }]);
    const job = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Failed');
    expect(done.properties.errors[0].serviceErrorDetails).toMatchObject({ code: 'RunbookFailed', message: 'runbook action "open-firewall" reported failure: firewall API answered 500' });
    const action = done.properties.tasks.find((t: any) => t.taskId === 'g2-start0');
    expect(action.state).toBe('Failed');
    expect(action.customDetails).toMatchObject({ instanceType: 'AutomationRunbookTaskDetails', runbookName: 'open-firewall', jobOutput: 'firewall API answered 500' });
    expect(taskStates(done).find(([id]) => id === 'g2')![1]).toBe('NotStarted');
  }, 60_000);

  it('a runbook configured to continue on timeout is skipped with a warning and the plan goes on', async () => {
    h.automation.behaviour = { mode: 'silent' };
    const plan = await planWith(h, 'lax-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.lax }], startGroupActions: [runbookAction('/runbooks/slow-continue', 'PT2S')] }]);
    const job = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Succeeded');
    const action = done.properties.tasks.find((t: any) => t.taskId === 'g2-start0');
    expect(action.state).toBe('Skipped');
    expect(action.stateDescription).toMatch(/^Warning: .*onTimeout: Continue/);
  }, 60_000);

  it('a machine that fails to start fails its group and the job with the fabric\'s error', async () => {
    h.automation.behaviour = { mode: 'callback', status: 'Succeeded', delayMs: 50 };
    const job = jobOf(await h.call('POST', `${ids.broken}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'Required' } }));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Failed');
    expect(taskStates(done)).toEqual([['prereq', 'Succeeded'], ['shutdown', 'Succeeded'], ['g0', 'Failed'], ['g0-m0', 'Failed']]);
    const machine = done.properties.tasks[2].groupTaskCustomDetails.childTasks[0];
    expect(machine.errors[0].serviceErrorDetails.code).toBe('MachineStartFailed');
    const err = done.properties.errors[0].serviceErrorDetails;
    expect(err.code).toBe('MachineStartFailed');
    expect(err.message).toContain('1 of 1 virtual machines of Group 1 failed: broken:');
    expect(err.possibleCauses).not.toBe('');
    const item = await h.call('GET', ids.broken, undefined, 'Reader');
    expect(item.body.properties.allowedOperations).toEqual(['PlannedFailover', 'UnplannedFailover', 'CancelFailover']);
    // The operation result reports the failure to an LRO client.
    const poll = await h.call('GET', `${ids.broken}/operationresults/${job}`, undefined, 'Reader');
    expect(poll.status).toBe(409);
    expect(poll.body.error.code).toBe('MachineStartFailed');
    // Restart runs the operation again as a new job (the fault is still injected: it fails the same way).
    const restarted = await h.call('POST', `${V}/replicationJobs/${job}/restart`, {});
    expect(restarted.status).toBe(200);
    expect(restarted.body.name).not.toBe(job);
    const again = await waitForJob(h, restarted.body.name, ended);
    expect(again.properties).toMatchObject({ state: 'Failed', scenarioName: 'UnplannedFailover', targetObjectName: 'broken' });
    expect(again.properties.errors[0].serviceErrorDetails.code).toBe('MachineStartFailed');
  }, 60_000);

  it('a cancelled job ends Cancelled with a clear error, and what it made can be cleaned up', async () => {
    const manual = { actionName: 'approve', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Approve the test' } };
    const plan = await planWith(h, 'manual-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.man }], endGroupActions: [manual] }, { groupType: 'Boot', replicationProtectedItems: [] }]);
    const job = jobOf(await h.call('POST', `${plan}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    await waitForJob(h, job, (j) => j.properties.state === 'Suspended');
    const cancelled = await h.call('POST', `${V}/replicationJobs/${job}/cancel`, {}, 'Operator');
    expect(cancelled.status).toBe(200);
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Cancelled');
    expect(done.properties.errors[0].serviceErrorDetails).toMatchObject({ code: 'JobCancelled' });
    expect(done.properties.allowedActions).toEqual(['Restart']);
    expect(taskStates(done)).toEqual([['prereq', 'Succeeded'], ['g2', 'Succeeded'], ['g2-m0', 'Succeeded'], ['g2-end0', 'Cancelled'], ['complete-test', 'NotStarted']]);
    expect((await h.call('POST', `${V}/replicationJobs/${job}/cancel`, {}, 'Operator')).status).toBe(409);
    const cleanup = jobOf(await h.call('POST', `${plan}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    const left: string[] = [];
    for await (const b of h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).listBlobsFlat({ prefix: 'asr-recovery/man-dr-test' })) left.push(b.name);
    expect(left).toEqual([]);
  }, 60_000);
});
