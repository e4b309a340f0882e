import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import type { FullOperationResponse } from '@azure/core-client';
import { siteRecoveryClient } from './siteRecoveryClient';
import {
  CONTAINER, createSite, FABRIC, jobOf, RG, ReplicatedDisk, startRecoveryHost, SUB, V, VAULT, waitForJob, type RecoveryHost,
} from '../recovery/recoveryHarness';
import { documentedExtensions, officialMappers, unknownToModel } from './clientShapeWalk';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 4, 0);
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
const waitingForCleanup = (j: any) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? '');

/**
 * Every response shape the API serves, read through the official client: each raw JSON body
 * against the client's models (mappers.js: what its deserialisation knows and types; .NET,
 * Python and PowerShell clients generated from the same spec drop the rest). A field no model
 * knows fails the suite unless docs/api.md lists it as our extension ("Extensions the official
 * client does not know"); a documented extension that is no longer sent fails it too.
 */
describe('response shapes against the official client (funclocal, Azurite, Cosmos DB)', () => {
  let h: RecoveryHost;
  let client: SiteRecoveryManagementClient;
  let ids: Record<string, string>;
  const seen: { kind: string; raw: unknown }[] = [];
  const watch = (kind: string) => ({
    onResponse: (r: FullOperationResponse) => { seen.push({ kind, raw: r.bodyAsText ? JSON.parse(r.bodyAsText) : undefined }); },
  });
  /** The client's model of each kind's answer (list pages are walked per resource). */
  const MODEL: Record<string, string> = {
    fabrics: 'Fabric', containers: 'ProtectionContainer', policies: 'Policy', networkMappings: 'NetworkMapping', storageMappings: 'StorageClassificationMapping',
    items: 'ReplicationProtectedItem', plans: 'RecoveryPlan', jobs: 'Job', points: 'RecoveryPoint',
  };

  beforeAll(async () => {
    h = await startRecoveryHost();
    client = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Contributor'));
    ids = await createSite(h, [{ name: 'web', disks: ['os', 'data'], ip: '10.9.0.8' }]);
    for (const [i, name] of ['os', 'data'].entries()) {
      const d = new ReplicatedDisk(h, 'web', name, 2 * MIB);
      await d.change(T0, [`write -P 0x${i + 1}1 0 256k`], { full: true });
      await d.change(T0 + 10 * MIN, [`write -P 0x${i + 1}2 1M 64k`], { consistency: name === 'os' ? 'application' : 'crash' });
    }
    const put = async (path: string, body: unknown) => {
      const r = await h.call('PUT', path, body);
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    await put(`${V}/replicationFabrics/${FABRIC}/replicationNetworks/corpnet/replicationNetworkMappings/corpnet-map`, {
      properties: { recoveryFabricName: 'Microsoft Azure', recoveryNetworkId: 'prod-vnet', fabricSpecificDetails: { instanceType: 'VmmToAzure' } },
    });
    await put(`${V}/replicationRecoveryPlans/web-plan`, {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [{
          groupType: 'Boot', replicationProtectedItems: [{ id: ids.web }],
          // A runbook the test failover runs (the fake webhook calls back), a manual action it does not: both shapes are walked.
          startGroupActions: [{ actionName: 'open-firewall', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/open-firewall', timeout: 'PT1M', fabricLocation: 'Recovery' } }],
          endGroupActions: [{ actionName: 'check', failoverTypes: ['PlannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Check the app' } }],
        }],
      },
    });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('lists one recovery point per item and cut (its disks together), and a test failover to a named item point brings up that cut on every disk', async () => {
    const points = [];
    for await (const p of client.recoveryPoints.listByReplicationProtectedItems(VAULT, RG, FABRIC, CONTAINER, 'web')) points.push(p);
    // Two cuts of two disks: two item points, not four disk points. The second cut is app
    // consistent on `os` only, so the item point is crash consistent.
    expect(points.map((p) => [p.properties!.recoveryPointTime!.toISOString(), p.properties!.recoveryPointType])).toEqual([
      [new Date(T0 + 10 * MIN).toISOString(), 'CrashConsistent'],
      [new Date(T0).toISOString(), 'CrashConsistent'],
    ]);
    // The item names its newest point as the list does (both disks' newest points are of one cut).
    const item = await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'web');
    expect(item.properties!.providerSpecificDetails).toMatchObject({ lastRecoveryPointReceived: new Date(T0 + 10 * MIN), lastRecoveryPointId: points[0].name });
    expect(points[0].name).toBe('20261205T041000000Z');
    const older = points[1];
    expect((await client.recoveryPoints.get(VAULT, RG, FABRIC, CONTAINER, 'web', older.name!)).id).toBe(older.id);

    const job = jobOf(await h.call('POST', `${ids.web}/testFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointId: older.id } },
    }, 'Operator'));
    const tested = await waitForJob(h, job, waitingForCleanup);
    expect(tested.properties.state).toBe('Suspended');
    const vmTask = tested.properties.tasks.flatMap((t: any) => t.groupTaskCustomDetails?.childTasks ?? [])[0];
    // Each disk takes its own log of the chosen cut (log 1 of both).
    expect(vmTask.customDetails.disks.map((d: any) => [d.name, d.sequence, d.pointTime])).toEqual([
      ['web-dr-test-os', '1', new Date(T0).toISOString()], ['web-dr-test-data', '1', new Date(T0).toISOString()],
    ]);
  }, 120_000);

  it('sets the test failover fields of items and plans from the jobs, as the official client reads them', async () => {
    const item = await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'web');
    expect(item.properties).toMatchObject({ testFailoverState: 'WaitingForCleanup' });
    const itemTested = item.properties!.lastSuccessfulTestFailoverTime!;
    expect(itemTested).toBeInstanceOf(Date);
    const cleanup = jobOf(await h.call('POST', `${ids.web}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    const cleaned = await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'web');
    expect(cleaned.properties).toMatchObject({ testFailoverState: 'None', lastSuccessfulTestFailoverTime: itemTested });

    const before = await client.replicationRecoveryPlans.get(VAULT, RG, 'web-plan');
    expect(before.properties!.lastTestFailoverTime).toBeUndefined();
    const planJob = jobOf(await h.call('POST', `${V}/replicationRecoveryPlans/web-plan/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const upAt = (await waitForJob(h, planJob, waitingForCleanup)).properties;
    const plan = await client.replicationRecoveryPlans.get(VAULT, RG, 'web-plan');
    const planTested = plan.properties!.lastTestFailoverTime!;
    expect(planTested).toBeInstanceOf(Date);
    expect(planTested.getTime()).toBeGreaterThanOrEqual(new Date(upAt.startTime).getTime());
    const again = await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'web');
    expect(again.properties!.lastSuccessfulTestFailoverTime!.getTime()).toBe(planTested.getTime());
  }, 120_000);

  it('every response body keeps, through the client, every field but the documented extensions', async () => {
    // A failed job too (its errors' shape): a test failover to a cut the item has no point at.
    const planTest = (await h.call('GET', `${V}/replicationRecoveryPlans/web-plan`)).body.properties.currentScenario.jobId.split('/').pop();
    const cleanup = jobOf(await h.call('POST', `${V}/replicationRecoveryPlans/web-plan/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    expect((await waitForJob(h, planTest, ended)).properties.state).toBe('Succeeded');
    const failing = jobOf(await h.call('POST', `${ids.web}/testFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointId: '20200101T000000000Z' } },
    }, 'Operator'));
    const failed = await waitForJob(h, failing, ended);
    expect([failed.properties.state, failed.properties.errors[0].serviceErrorDetails.code]).toEqual(['Failed', 'NoRecoveryPoint']);

    const all = async <T>(kind: string, pages: AsyncIterable<T>) => { for await (const x of pages) void x; void kind; };
    await client.replicationFabrics.get(VAULT, RG, FABRIC, watch('fabrics'));
    await all('fabrics', client.replicationFabrics.list(VAULT, RG, watch('fabrics')));
    await client.replicationProtectionContainers.get(VAULT, RG, FABRIC, CONTAINER, watch('containers'));
    await all('containers', client.replicationProtectionContainers.listByReplicationFabrics(VAULT, RG, FABRIC, watch('containers')));
    await client.replicationPolicies.get(VAULT, RG, 'policy-30s', watch('policies'));
    await all('policies', client.replicationPolicies.list(VAULT, RG, watch('policies')));
    await client.replicationNetworkMappings.get(VAULT, RG, FABRIC, 'corpnet', 'corpnet-map', watch('networkMappings'));
    await all('networkMappings', client.replicationNetworkMappings.list(VAULT, RG, watch('networkMappings')));
    await all('storageMappings', client.replicationStorageClassificationMappings.list(VAULT, RG, watch('storageMappings')));
    await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'web', watch('items'));
    await all('items', client.replicationProtectedItems.listByReplicationProtectionContainers(VAULT, RG, FABRIC, CONTAINER, watch('items')));
    await all('items', client.replicationProtectedItems.list(VAULT, RG, watch('items')));
    await client.replicationRecoveryPlans.get(VAULT, RG, 'web-plan', watch('plans'));
    await all('plans', client.replicationRecoveryPlans.list(VAULT, RG, watch('plans')));
    const jobs = [];
    for await (const j of client.replicationJobs.list(VAULT, RG, watch('jobs'))) jobs.push(j);
    for (const j of jobs) await client.replicationJobs.get(VAULT, RG, j.name!, watch('jobs'));
    const points = [];
    for await (const p of client.recoveryPoints.listByReplicationProtectedItems(VAULT, RG, FABRIC, CONTAINER, 'web', watch('points'))) points.push(p);
    await client.recoveryPoints.get(VAULT, RG, FABRIC, CONTAINER, 'web', points[0].name!, watch('points'));

    // Every kind was read, with content: a walk over empty bodies proves nothing.
    expect([...new Set(seen.map((s) => s.kind))].sort()).toEqual(['containers', 'fabrics', 'items', 'jobs', 'networkMappings', 'plans', 'points', 'policies', 'storageMappings']);
    expect(jobs.map((j) => j.properties!.scenarioName).sort()).toEqual(['TestFailover', 'TestFailover', 'TestFailover', 'TestFailoverCleanup', 'TestFailoverCleanup']);
    // The VM tasks are ASR's VirtualMachineTaskDetails, whose fields the client keeps.
    expect(jobs.flatMap((j) => j.properties!.tasks ?? []).map((t) => t.customDetails?.instanceType)).toContain('AutomationRunbookTaskDetails');
    const vmTask = jobs.flatMap((j) => j.properties!.tasks ?? []).flatMap((t) => t.groupTaskCustomDetails?.childTasks ?? [])[0];
    expect(vmTask.customDetails).toMatchObject({ instanceType: 'VirtualMachineTaskDetails', jobTask: { targetObjectName: 'web', targetObjectId: ids.web } });

    // The raw bodies were seen (a walk over nothing would pass).
    expect(seen.filter((x) => x.raw === undefined)).toEqual([]);
    const mappers = officialMappers();
    const extensions = documentedExtensions(readFileSync(join(__dirname, '../../../docs/api.md'), 'utf8'));
    const unknown = [...new Set(seen.flatMap((x) => unknownToModel(mappers, MODEL[x.kind], x.raw).map((path) => `${x.kind} ${path}`)))];
    const undocumented = unknown.filter((p) => !extensions.all.has(p));
    expect(undocumented).toEqual([]);
    expect([...extensions.all].filter((e) => !extensions.conditional.has(e) && !unknown.includes(e))).toEqual([]);
  }, 60_000);
});
