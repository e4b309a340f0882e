import ExcelJS from 'exceljs';
import { resolve } from 'node:path';
import type { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { waitFor } from '../../support/waitFor';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, taskStates, V, VAULT, waitForJob, type RecoveryHost } from './recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 3, 0);
const fast = { updateIntervalInMs: 200 };

/**
 * The official ASR client against the whole app as `npm start` runs it (funclocal on the
 * project root: every registration, triggers included).
 */
describe('the official @azure/arm-recoveryservices-siterecovery client drives failovers (npm start app)', () => {
  let h: RecoveryHost;
  let operator: SiteRecoveryManagementClient;
  let contributor: SiteRecoveryManagementClient;
  let ids: Record<string, string>;
  const disks: Record<string, ReplicatedDisk> = {};

  beforeAll(async () => {
    h = await startRecoveryHost({}, { app: resolve(__dirname, '../../..') });
    operator = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Operator'));
    contributor = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Contributor'));
    ids = await createSite(h, [{ name: 'sdk1', disks: ['os'], ip: '10.9.0.7' }, { name: 'sdk2', disks: ['os'] }]);
    for (const name of ['sdk1', 'sdk2']) {
      const d = new ReplicatedDisk(h, name, 'os', 2 * MIB);
      await d.change(T0, ['write -P 0x61 0 256k'], { full: true });
      await d.change(T0 + 300_000, ['write -P 0x62 1M 64k']);
      disks[name] = d;
    }
    const manual = { actionName: 'smoke-test', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Run the smoke test' } };
    await contributor.replicationRecoveryPlans.beginCreateAndWait(VAULT, RG, 'sdk-plan', {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.sdk1 }], endGroupActions: [manual as never] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.sdk2 }] },
        ],
      },
    });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('beginTestFailoverAndWait returns at the manual action; beginResumeAndWait continues; beginTestFailoverCleanupAndWait ends the test', async () => {
    const plan = await operator.replicationRecoveryPlans.beginTestFailoverAndWait(VAULT, RG, 'sdk-plan', {
      properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: 'sdk-test-vnet', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'LatestProcessed' } as never] },
    }, fast);
    const jobName = plan.properties!.currentScenario!.jobId!.split('/').pop()!;
    const job = await operator.replicationJobs.get(VAULT, RG, jobName);
    expect(job.properties).toMatchObject({ state: 'Suspended', scenarioName: 'TestFailover' });
    expect(job.properties!.allowedActions).toContain('Resume');

    const resumed = await operator.replicationJobs.beginResumeAndWait(VAULT, RG, jobName, { properties: { comments: 'smoke test passed' } }, fast);
    expect(resumed.name).toBe(jobName);
    const waiting = await waitForJob(h, jobName, (j) => j.properties.stateDescription === 'WaitingForStopTestFailover');
    expect(taskStates(waiting).filter(([, s]) => s !== 'Succeeded')).toEqual([['complete-test', 'Suspended']]);
    expect((await disks.sdk2.sameAs('asr-recovery/sdk2-dr-test/os.vhd', disks.sdk2.logs[1])).same).toBe(true);

    // A small job answers whole (no taskSummary); its machine tasks also page through the tasks sub-resource (docs/api.md).
    const whole = await h.call('GET', `${V}/replicationJobs/${jobName}`, undefined, 'Reader');
    expect(whole.body.properties.taskSummary).toBeUndefined();
    const machineTasks = (whole.body.properties.tasks as { taskId: string; groupTaskCustomDetails?: { childTasks: { taskId: string }[] } }[])
      .flatMap((t) => (t.groupTaskCustomDetails?.childTasks ?? []).map((c) => [t.taskId, c.taskId]));
    expect(machineTasks.length).toBeGreaterThan(1);
    const first = await h.call('GET', `${V}/replicationJobs/${jobName}/tasks?$top=1`, undefined, 'Reader');
    expect(first.status).toBe(200);
    expect(first.body.value.map((t: { parentTaskId: string; taskId: string }) => [t.parentTaskId, t.taskId])).toEqual([machineTasks[0]]);
    expect(new URL(first.body.nextLink).searchParams.get('$skipToken')).toBeTruthy();
    const all = await h.call('GET', `${V}/replicationJobs/${jobName}/tasks?$top=1000`, undefined, 'Reader');
    expect(all.body.value.map((t: { parentTaskId: string; taskId: string }) => [t.parentTaskId, t.taskId])).toEqual(machineTasks);
    expect(all.body.nextLink).toBeUndefined();
    expect((await h.call('GET', `${V}/replicationJobs/${jobName}/tasks?$top=0`, undefined, 'Reader')).status).toBe(400);

    // The job's report (docs/reports.md) names who approved the manual action, with the comment.
    const report = await h.call('GET', `${V}/replicationJobs/${jobName}/report?format=json`, undefined, 'Reader');
    expect(report.status).toBe(200);
    expect(report.body.approvals).toEqual([expect.objectContaining({ action: 'smoke-test', comment: 'smoke test passed', approvedBy: expect.stringContaining('test-operator') })]);
    expect(report.body).toMatchObject({ outcome: 'Passed', rto: { measuredTo: 'lastMachineUp' } });
    expect(report.body.machines.every((m: { rpoSeconds?: number }) => typeof m.rpoSeconds === 'number')).toBe(true);
    // The workbook comes through the Functions host as bytes, and exceljs opens it.
    const xlsx = await fetch(`${h.host.baseUrl}${V}/replicationJobs/${jobName}/report?format=xlsx&api-version=2023-08-01`, { headers: { authorization: `Bearer ${await h.token('Reader')}` } });
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    expect(book.getWorksheet('Approvals')!.getRow(2).getCell(7).value).toBe('smoke test passed');

    const cleaned = await operator.replicationRecoveryPlans.beginTestFailoverCleanupAndWait(VAULT, RG, 'sdk-plan', { properties: { comments: 'done' } }, fast);
    expect(cleaned.properties!.allowedOperations).toEqual(['TestFailover', 'PlannedFailover', 'UnplannedFailover']);
    expect((await operator.replicationJobs.get(VAULT, RG, jobName)).properties!.state).toBe('Succeeded');

    // The test failover's job said what it did, in order: replicationEvents (docs/events.md).
    const events = [];
    for await (const e of operator.replicationEvents.list(VAULT, RG, { filter: "eventType eq 'JobStatus' and affectedObjectFriendlyName eq 'sdk-plan'" })) events.push(e);
    const ofJob = events.reverse().filter((e) => String((e.properties!.eventSpecificDetails as { jobId?: string }).jobId).endsWith(`/${jobName}`));
    // Suspended twice: at the manual action, then waiting for the test failover cleanup.
    expect(ofJob.map((e) => e.properties!.eventCode)).toEqual(['JobStarted', 'JobSuspended', 'JobSuspended', 'JobSucceeded']);
    expect(ofJob[1].properties!.description).toContain('Run the smoke test');
    expect((ofJob[1].properties as { recommendedAction?: string }).recommendedAction).toContain(`asr job resume ${VAULT} ${jobName}`);
    expect(ofJob[2].properties!.description).toContain('run the test failover cleanup');
  }, 120_000);

  it('beginPlannedFailoverAndWait returns once the final logs are merged and the machines run', async () => {
    const requests = new SourceShutdownRequests(h.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER));
    // The agents: ship final logs once asked.
    const agents = (async () => {
      for (const name of ['sdk1', 'sdk2']) {
        await waitFor(() => requests.read(disks[name].ref), { timeoutMs: 60_000, intervalMs: 200, describe: `the planned failover to ask ${name} to shut down` });
        await disks[name].shipFinalLog(T0 + 400_000, [`write -P 0x6${name === 'sdk1' ? 3 : 4} 1536k 64k`]);
      }
    })();
    const plan = await contributor.replicationRecoveryPlans.beginPlannedFailoverAndWait(VAULT, RG, 'sdk-plan', { properties: { failoverDirection: 'PrimaryToRecovery' } }, fast);
    await agents;
    expect(plan.properties!.allowedOperations).toEqual(['FailoverCommit', 'CancelFailover']);
    const item = await contributor.replicationProtectedItems.get(VAULT, RG, 'hv-site', 'hv-host', 'sdk1');
    expect(item.properties!.activeLocation).toBe('Recovery');
    // The failover's success time, as ASR's models name it on plan and item.
    expect(plan.properties!.lastPlannedFailoverTime).toBeInstanceOf(Date);
    expect(item.properties!.lastSuccessfulFailoverTime).toEqual(plan.properties!.lastPlannedFailoverTime);
    for (const name of ['sdk1', 'sdk2']) {
      const d = disks[name];
      expect((await d.sameAs(`asr-recovery/${name}-dr/os.vhd`, d.logs[d.logs.length - 1])).same).toBe(true);
    }
    const jobs = [];
    for await (const j of contributor.replicationJobs.list(VAULT, RG)) jobs.push(j);
    expect(jobs.map((j) => j.properties!.scenarioName).sort()).toEqual(['PlannedFailover', 'TestFailover', 'TestFailoverCleanup']);
  }, 120_000);
});
