import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import {
  createSite, FABRIC, jobOf, P, ReplicatedDisk, startRecoveryHost, taskStates, V, waitForJob, type RecoveryHost,
} from './recoveryHarness';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 3, 0);
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
const INITIAL = ['TestFailover', 'PlannedFailover', 'UnplannedFailover'];

async function planWith(h: RecoveryHost, name: string, groups: unknown[]): Promise<string> {
  const id = `${V}/replicationRecoveryPlans/${name}`;
  const r = await h.call('PUT', id, { properties: { primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure', groups } });
  if (r.status >= 300) throw new Error(`plan ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return id;
}

/** Enables protection of an item with its own NICs and no target network of its own. */
async function protectWithNics(h: RecoveryHost, name: string, vmNics: Record<string, string>[], extra: Record<string, string> = {}): Promise<string> {
  const r = await h.call('PUT', `${P}/${name}`, {
    properties: {
      policyId: `${V}/replicationPolicies/policy-30s`,
      providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', vmName: name, targetAzureVmName: `${name}-dr`, disks: [{ diskId: 'os' }], vmNics, ...extra },
    },
  });
  if (r.status >= 300) throw new Error(`item ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return `${P}/${name}`;
}

async function machineNics(h: RecoveryHost, machine: string): Promise<{ network: string; subnet: string; staticIp?: string }[]> {
  const buf = await h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).getBlobClient(`asr-recovery/${machine}.json`).downloadToBuffer();
  return (JSON.parse(buf.toString('utf8')) as { spec: { nics: { network: string; subnet: string; staticIp?: string }[] } }).spec.nics;
}

async function machineSpec(h: RecoveryHost, machine: string): Promise<{ osType?: string; hyperVGeneration?: string }> {
  const buf = await h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).getBlobClient(`asr-recovery/${machine}.json`).downloadToBuffer();
  return (JSON.parse(buf.toString('utf8')) as { spec: { osType?: string; hyperVGeneration?: string } }).spec;
}

async function machinesOf(h: RecoveryHost, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).listBlobsFlat({ prefix: `asr-recovery/${prefix}` })) out.push(b.name);
  return out;
}

/**
 * Failover correctness on the local host (funclocal running the compiled app, Durable
 * Functions, Azurite, Cosmos DB, the local fabric): failback refused, a cleanup that ends a
 * test job waiting on a manual action, a cancelled failover that gives the item back, and
 * target networks resolved per NIC from the item, then the vault's network mappings.
 */
describe('failover correctness (funclocal)', () => {
  let h: RecoveryHost;
  let ids: Record<string, string>;
  const disks: Record<string, ReplicatedDisk> = {};

  beforeAll(async () => {
    h = await startRecoveryHost();
    ids = await createSite(h, ['fb', 'tw', 'cf'].map((name) => ({ name, disks: ['os'] })));
    ids.nm = await protectWithNics(h, 'nm', [
      { nicId: 'front', vMNetworkName: 'corpnet', replicaNicStaticIPAddress: '10.7.0.4' },
      { nicId: 'back', vMNetworkName: 'backnet', recoveryVMSubnetName: 'db' },
      { nicId: 'mgmt', vMNetworkName: 'lost', recoveryVMNetworkId: 'mgmt-vnet' },
    ], { osType: 'Linux', generation: '2' });
    ids.nx = await protectWithNics(h, 'nx', [{ nicId: 'nic0', vMNetworkName: 'corpnet' }, { nicId: 'nic1', vMNetworkName: 'unmapped-net' }]);
    for (const name of Object.keys(ids)) {
      const d = new ReplicatedDisk(h, name, 'os', 2 * MIB);
      await d.change(T0, ['write -P 0x41 0 512k'], { full: true });
      await d.change(T0 + 5 * MIN, ['write -P 0x42 1M 64k']);
      disks[name] = d;
    }
    for (const [network, target] of [['corpnet', 'prod-vnet-a'], ['backnet', 'prod-vnet-b']]) {
      const r = await h.call('PUT', `${V}/replicationFabrics/${FABRIC}/replicationNetworks/${network}/replicationNetworkMappings/${network}-map`, { properties: { recoveryNetworkId: target } });
      if (r.status >= 300) throw new Error(`mapping ${network}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('refuses a failback before a committed failover with 400 naming why (items and plans), and an unplanned or test failover back; starts nothing', async () => {
    const before = (await h.call('GET', ids.fb, undefined, 'Reader')).body.properties.allowedOperations;
    expect(before).toEqual(expect.arrayContaining(INITIAL));
    const item = await h.call('POST', `${ids.fb}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { instanceType: 'HyperVReplicaAzureFailback', dataSyncOption: 'ForSynchronization' } } });
    expect(item.status).toBe(400);
    expect(item.body.error.code).toBe('FailbackNotAllowed');
    expect(item.body.error.message).toMatch(/protected item 'fb' is Protected and runs in the primary site: a failback needs a committed failover first/);
    const plan = await planWith(h, 'fb-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.fb }] }]);
    const planned = await h.call('POST', `${plan}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary' } });
    expect([planned.status, planned.body.error.code]).toEqual([400, 'FailbackNotAllowed']);
    expect(planned.body.error.message).toContain("failback of recovery plan 'fb-plan' refused: protected item 'fb'");
    for (const action of ['unplannedFailover', 'testFailover']) {
      const r = await h.call('POST', `${plan}/${action}`, { properties: { failoverDirection: 'RecoveryToPrimary' } });
      expect([r.status, r.body.error.code]).toEqual([400, 'FailbackNotSupported']);
      expect(r.body.error.message).toContain('a failback is a planned failover back to the primary site');
    }
    const reprotect = await h.call('POST', `${ids.fb}/reProtect`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
    expect(reprotect.status).toBe(409);
    expect(reprotect.body.error.message).toMatch(/does not allow ReverseReplicate \(Reprotect\)/);
    const after = await h.call('GET', ids.fb, undefined, 'Reader');
    expect(after.body.properties.allowedOperations).toEqual(before);
    expect(after.body.properties.currentScenario).toBeUndefined();
    expect(await new SourceShutdownRequests(h.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER)).read(disks.fb.ref)).toBeUndefined();
  }, 60_000);

  it('a cleanup started while the test job waits on a manual action ends that job instead of leaving it Suspended', async () => {
    const manual = { actionName: 'approve', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Approve the test' } };
    const plan = await planWith(h, 'tw-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.tw }], endGroupActions: [manual] }]);
    const test = jobOf(await h.call('POST', `${plan}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const waiting = await waitForJob(h, test, (j) => j.properties.state === 'Suspended');
    expect(waiting.properties.stateDescription).toMatch(/manual action 'approve'/);

    const cleanup = jobOf(await h.call('POST', `${plan}/testFailoverCleanup`, { properties: { comments: 'abandoned' } }, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    const done = await waitForJob(h, test, ended, 30_000);
    expect(done.properties.state).toBe('Cancelled');
    expect(taskStates(done).find(([id]) => id === 'g2-end0')?.[1]).toBe('Cancelled');
    expect(await machinesOf(h, 'tw-dr-test')).toEqual([]);
    const item = await h.call('GET', ids.tw, undefined, 'Reader');
    expect(item.body.properties.allowedOperations).toEqual(INITIAL);
    const p = await h.call('GET', plan, undefined, 'Reader');
    expect(p.body.properties.allowedOperations).toEqual(INITIAL);
  }, 90_000);

  it('a cancelled planned failover gives the item back: no machine, no shutdown request, test failover allowed at once', async () => {
    const requests = new SourceShutdownRequests(h.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER));
    const planned = jobOf(await h.call('POST', `${ids.cf}/plannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } }));
    await waitForJob(h, planned, (j) => /final logs/.test(j.properties.tasks.find((t: any) => t.taskId === 'shutdown')?.stateDescription ?? ''));
    expect(await requests.read(disks.cf.ref)).toMatchObject({ jobId: planned, shipFinalLog: true });
    expect((await h.call('POST', `${V}/replicationJobs/${planned}/cancel`, {}, 'Operator')).status).toBe(200);
    expect((await waitForJob(h, planned, ended)).properties.state).toBe('Cancelled');

    const item = await h.call('GET', ids.cf, undefined, 'Reader');
    expect(item.body.properties).toMatchObject({ activeLocation: 'Primary', allowedOperations: INITIAL, currentScenarioStatus: 'Cancelled' });
    expect(await requests.read(disks.cf.ref)).toBeUndefined();
    expect(await machinesOf(h, 'cf-dr')).toEqual([]);

    const test = await h.call('POST', `${ids.cf}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator');
    expect(test.status).toBe(202);
    const tested = await waitForJob(h, jobOf(test), (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''));
    expect(tested.properties.state).toBe('Suspended');
    const cleanup = jobOf(await h.call('POST', `${ids.cf}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
  }, 90_000);

  it('a failover cancelled at a manual action after its machine was made removes that machine and gives the item back', async () => {
    const manual = { actionName: 'confirm', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Confirm the switch' } };
    const plan = await planWith(h, 'tw-failover', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.tw }], endGroupActions: [manual] }]);
    const job = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    await waitForJob(h, job, (j) => j.properties.state === 'Suspended');
    expect(await machinesOf(h, 'tw-dr.json')).toEqual(['asr-recovery/tw-dr.json']);
    expect((await h.call('POST', `${V}/replicationJobs/${job}/cancel`, {}, 'Operator')).status).toBe(200);
    expect((await waitForJob(h, job, ended)).properties.state).toBe('Cancelled');
    expect(await machinesOf(h, 'tw-dr')).toEqual([]);
    const disksLeft: string[] = [];
    for await (const b of h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).listBlobsFlat({ prefix: 'asr-recovery/tw-dr/' })) disksLeft.push(b.name);
    expect(disksLeft).toEqual([]);
    for (const id of [ids.tw, plan]) {
      expect((await h.call('GET', id, undefined, 'Reader')).body.properties).toMatchObject({ allowedOperations: INITIAL, currentScenarioStatus: 'Cancelled' });
    }
  }, 90_000);

  it('a plan failover puts each NIC on its own network, else the item\'s, else the vault\'s mapping of its source network', async () => {
    const plan = await planWith(h, 'nm-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.nm }] }]);
    const shown = await h.call('GET', ids.nm, undefined, 'Reader');
    expect(shown.body.properties.providerSpecificDetails.vmNics.map((n: any) => [n.nicId, n.vMNetworkName, n.ipConfigs[0].recoveryStaticIPAddress ?? null]))
      .toEqual([['front', 'corpnet', '10.7.0.4'], ['back', 'backnet', null], ['mgmt', 'lost', null]]);

    const test = jobOf(await h.call('POST', `${plan}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'isolated-vnet' } }, 'Operator'));
    await waitForJob(h, test, (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''));
    expect(await machineNics(h, 'nm-dr-test')).toEqual([
      { network: 'isolated-vnet', subnet: 'default', staticIp: '10.7.0.4' },
      { network: 'isolated-vnet', subnet: 'db' },
      { network: 'isolated-vnet', subnet: 'default' },
    ]);
    // The item is a Linux Generation 2 VM: the machine is made so (Azure: OS disk osType, disks hyperVGeneration V2).
    expect(await machineSpec(h, 'nm-dr-test')).toMatchObject({ osType: 'Linux', hyperVGeneration: 'V2' });
    expect((await waitForJob(h, jobOf(await h.call('POST', `${plan}/testFailoverCleanup`, {}, 'Operator')), ended)).properties.state).toBe('Succeeded');

    const failover = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    const done = await waitForJob(h, failover, ended);
    expect(done.properties.state).toBe('Succeeded');
    expect(await machineNics(h, 'nm-dr')).toEqual([
      { network: 'prod-vnet-a', subnet: 'default', staticIp: '10.7.0.4' },
      { network: 'prod-vnet-b', subnet: 'db' },
      { network: 'mgmt-vnet', subnet: 'default' },
    ]);
    expect((await waitForJob(h, jobOf(await h.call('POST', `${plan}/failoverCancel`, {})), ended)).properties.state).toBe('Succeeded');

    // The item's own network wins over the mappings, for every NIC without its own.
    expect((await h.call('PATCH', ids.nm, { properties: { selectedRecoveryAzureNetworkId: 'item-vnet' } })).status).toBe(200);
    const again = jobOf(await h.call('POST', `${ids.nm}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    expect((await waitForJob(h, again, ended)).properties.state).toBe('Succeeded');
    expect((await machineNics(h, 'nm-dr')).map((n) => n.network)).toEqual(['item-vnet', 'item-vnet', 'mgmt-vnet']);
    expect((await waitForJob(h, jobOf(await h.call('POST', `${ids.nm}/failoverCancel`, {})), ended)).properties.state).toBe('Succeeded');

    // PATCH changes one NIC by its id; an unknown NIC is a 400 naming the item's NICs.
    const patched = await h.call('PATCH', ids.nm, { properties: { vmNics: [{ nicId: 'back', ipConfigs: [{ isPrimary: true, recoveryVMNetworkId: 'back-own', recoveryStaticIPAddress: '10.8.0.5' }] }] } });
    expect(patched.status).toBe(200);
    expect(patched.body.properties.providerSpecificDetails.vmNics.map((n: any) => [n.nicId, n.recoveryVMNetworkId, n.ipConfigs[0].recoveryStaticIPAddress ?? null]))
      .toEqual([['front', 'item-vnet', '10.7.0.4'], ['back', 'back-own', '10.8.0.5'], ['mgmt', 'mgmt-vnet', null]]);
    const unknown = await h.call('PATCH', ids.nm, { properties: { vmNics: [{ nicId: 'nope', ipConfigs: [{ recoveryStaticIPAddress: '10.8.0.6' }] }] } });
    expect([unknown.status, unknown.body.error.message]).toEqual([400, "properties.vmNics: the item has no NIC 'nope'; its NICs are front, back, mgmt"]);
  }, 120_000);

  it('a NIC whose source network has no mapping fails the prerequisites, naming NIC and network, before any machine is made', async () => {
    const plan = await planWith(h, 'nx-plan', [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.nx }] }]);
    const job = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired' } }));
    const done = await waitForJob(h, job, ended);
    expect(done.properties.state).toBe('Failed');
    expect(taskStates(done)).toEqual([['prereq', 'Failed'], ['g2', 'NotStarted'], ['g2-m0', 'NotStarted']]);
    const err = done.properties.errors[0].serviceErrorDetails;
    expect(err.code).toBe('NetworkNotMapped');
    expect(err.message).toContain("NIC nic1 (source network 'unmapped-net')");
    expect(err.recommendedAction).toContain("network mapping for 'unmapped-net'");
    expect(await machinesOf(h, 'nx-dr')).toEqual([]);
  }, 60_000);
});
