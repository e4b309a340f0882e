import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { failbackBody } from '../../../cli/commands/failback';
import { protectItem, syncFailback, syncItem } from '../../../shared/agent';
import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { CONTAINER, downloadRecoveredDisk, FABRIC, jobOf, P, RG, SUB, V, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { qemuCompare, qemuIo } from './agentHarness';
import * as cycle from './failbackCycleHarness';
import { ended, FAILBACK, INITIAL, MiB, tasksOf } from './failbackCycleHarness';
import { waitFor } from '../../support/waitFor';

/**
 * The way home (issue 13) end to end, for one item, against the whole app on funclocal with the
 * real agent and qemu-img as judge: protect, write, sync, unplanned failover, commit, the
 * workload writes the recovered disk in the local fabric, failback ForSynchronization (the
 * agent serves both rounds), the primary disk equals the recovered disk at shutdown, commit,
 * reprotect, the source writes again, sync, test failover: the recovered disk equals the source.
 */
describe('the failback cycle (funclocal, real agent)', () => {
  let h: RecoveryHost;
  let api: AsrApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ h, api, stop } = await cycle.startCycleHost());
  }, 240_000);
  afterAll(async () => {
    await stop?.();
  });

  const protectedItem = (name: string) => cycle.protectedItem(h, api, name);
  const committedFailover = (name: string) => cycle.committedFailover(h, api, name);
  const workloadWrites = (machine: string, count: number, seed: number) => cycle.workloadWrites(h, machine, count, seed);
  const serveRounds = (name: string, stateDir: string, until: () => Promise<boolean>) => cycle.serveRounds(h, name, stateDir, until);

  it('protect, fail over, commit, the workload writes, fail back (ForSynchronization), commit, reprotect, sync, test failover: the disks match at every step', async () => {
    const { raw, stateDir, item } = await committedFailover('fb1');
    await workloadWrites('fb1-dr', 40, 1);

    // A failover forward of an item that runs in the recovery site is refused, naming why.
    const forward = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery' } });
    expect([forward.status, forward.body.error.code]).toEqual([400, 'FailoverDirectionInvalid']);

    const started = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForSynchronization' } } });
    const failback = jobOf(started);
    expect(started.body.properties.protectionState).toBe('FailbackInProgress');
    let jobDone = false;
    const rounds = serveRounds('fb1', stateDir, async () => jobDone);
    const done = await waitForJob(h, failback, ended, 120_000).finally(() => { jobDone = true; });
    expect(await rounds).toBe(2);
    expect(done.properties.state).toBe('Succeeded');
    const tasks = tasksOf(done);
    expect(done.properties.tasks.map((t: any) => t.taskId)).toEqual(['prereq', 'g0-sync', 'g0-shutdown', 'g0-finalSync', 'g0-start']);
    // Bytes shipped per task: round 1 carried the 40 written blocks, round 2 nothing new (no writes after it).
    expect(tasks['g0-sync-m0'].customDetails).toMatchObject({ round: 1, blocksChanged: 40, bytesChanged: 40 * 4096 });
    expect(tasks['g0-sync-m0'].customDetails.bytesShipped).toBeGreaterThanOrEqual(40 * 4096);
    expect(tasks['g0-sync-m0'].customDetails.bytesShipped).toBeLessThan(40 * 4096 * 1.1 + 4096);
    expect(tasks['g0-finalSync-m0'].customDetails).toMatchObject({ round: 2, blocksChanged: 0 });
    expect(tasks['g0-finalSync-m0'].stateDescription).toMatch(/primary disk equals the recovered disk/);
    // The machine in the recovery site is stopped; the primary disk equals the recovered disk at shutdown.
    expect(qemuCompare(raw, 'raw', await downloadRecoveredDisk(h, 'fb1-dr', 'disk0'), 'vpc').status).toBe(0);
    const back = (await h.call('GET', item, undefined, 'Reader')).body.properties;
    expect(back).toMatchObject({ protectionState: 'FailbackCompleted', activeLocation: 'Primary', allowedOperations: ['FailoverCommit', 'CancelFailover'] });

    const commit = jobOf(await h.call('POST', `${item}/failoverCommit`, {}));
    expect((await waitForJob(h, commit, ended, 60_000)).properties.state).toBe('Succeeded');
    expect((await h.call('GET', item, undefined, 'Reader')).body.properties).toMatchObject({ protectionState: 'FailbackCommitted', allowedOperations: ['ReverseReplicate'] });

    const reprotect = jobOf(await h.call('POST', `${item}/reProtect`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure' } } }));
    const reprotected = await waitForJob(h, reprotect, ended, 60_000);
    expect(reprotected.properties.state).toBe('Succeeded');
    expect(tasksOf(reprotected)['g0-m0'].stateDescription).toMatch(/epoch 2.*removed machine fb1-dr/);
    expect(await h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient('asr-recovery/fb1-dr/disk0.vhd').exists()).toBe(false);
    expect((await h.call('GET', item, undefined, 'Reader')).body.properties.allowedOperations).toEqual(INITIAL);

    // The source writes again and replicates forward in the new epoch, from deltas only.
    qemuIo(raw, 'raw', 'write -P 0x5a 3M 8k');
    const report = await cycle.forwardAgainEqual(h, 'fb1', { raw, stateDir, item });
    expect(report.bytesUploaded).toBeLessThan(1 * MiB);
  }, 300_000);

  it('CreateVmIfNotFound: the source disk is gone; the failback writes a new disk in the directory the operator names (checked by the agent), equal to the recovered one; after commit the item reprotects from the new disk', async () => {
    const fc1 = await committedFailover('fc1');
    const { raw, stateDir, item } = fc1;
    await workloadWrites('fc1-dr', 30, 5);
    rmSync(raw); // the primary host lost the disk
    const alternate = join(h.dir, 'rebuilt', 'fc1');
    // The request is what `asr item failback … --alternate <dir>` sends; the service checks its shape only.
    const started = await h.call('POST', `${item}/plannedFailover`, await failbackBody({ sync: 'before', alternate }));
    expect(started.status).toBe(202);
    const failback = jobOf(started);
    // The directory is the primary host's: its agent checks it and refuses one that is not there, writing nothing.
    let refusal: unknown;
    await waitFor(async () => {
      refusal = await syncFailback(h.blobs, { vault: VAULT, item: 'fc1', stateDir, noWait: true }).then(() => undefined, (err: unknown) => err);
      return refusal !== undefined;
    }, { timeoutMs: 60_000, describe: 'the agent to see the failback round' });
    expect(refusal).toMatchObject({ code: 'FailbackAlternateLocationInvalid', message: expect.stringMatching(/does not exist on this host/) });
    expect(existsSync(alternate)).toBe(false);
    mkdirSync(alternate, { recursive: true });
    let jobDone = false;
    const rounds = serveRounds('fc1', stateDir, async () => jobDone);
    const done = await waitForJob(h, failback, ended, 120_000).finally(() => { jobDone = true; });
    expect(await rounds).toBe(2);
    expect(done.properties.state).toBe('Succeeded');
    const tasks = tasksOf(done);
    // Round 1 ships every block the recovered disk holds (the new disk starts as zeros), round 2 nothing more.
    expect(tasks['g0-sync-m0'].customDetails.applied[0].path).toBe(join(alternate, 'fc1-disk0.raw'));
    expect(tasks['g0-finalSync-m0'].customDetails).toMatchObject({ round: 2, blocksChanged: 0 });
    expect(tasks['g0-start-m0'].stateDescription).toContain(`from the new disk(s) in ${alternate}`);
    const newDisk = join(alternate, 'fc1-disk0.raw');
    expect([existsSync(newDisk), existsSync(`${newDisk}.partial`), existsSync(raw)]).toEqual([true, false, false]);
    expect(qemuCompare(newDisk, 'raw', await downloadRecoveredDisk(h, 'fc1-dr', 'disk0'), 'vpc').status).toBe(0);

    await cycle.commitAndReprotect(h, item);
    // The agent replicates the new disk now: the new epoch ships only what the recovery site wrote (the replica had the rest).
    const report = await cycle.forwardAgainEqual(h, 'fc1', fc1, newDisk);
    expect(report.disks[0].changedBlocks).toBe(30);
    expect(report.bytesUploaded).toBeLessThan(1 * MiB);
  }, 300_000);

  it('CreateVmIfNotFound for a plan: both machines lost their disks; one directory on their host receives a new disk per machine ({item}-{disk}.raw), each equal to its recovered disk; a URL as the location is a 400', async () => {
    const a = await protectedItem('pc');
    const b = await protectedItem('pd');
    const plan = `${V}/replicationRecoveryPlans/rebuild-plan`;
    expect((await h.call('PUT', plan, { properties: {
      primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure',
      groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: a.item }, { id: b.item }] }],
    } })).status).toBe(201);
    const failover = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' }] } }));
    expect((await waitForJob(h, failover, ended, 120_000)).properties.state).toBe('Succeeded');
    expect((await waitForJob(h, jobOf(await h.call('POST', `${plan}/failoverCommit`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
    await workloadWrites('pc-dr', 9, 7);
    await workloadWrites('pd-dr', 5, 8);
    rmSync(a.raw);
    rmSync(b.raw);
    const details = (alternateLocation: string) => ({ properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: [{ ...FAILBACK, dataSyncOption: 'ForDownTime', recoveryVmCreationOption: 'CreateVmIfNotFound', alternateLocation }] } });
    const url = await h.call('POST', `${plan}/plannedFailover`, details('https://example.com/disks'));
    expect([url.status, url.body.error.message]).toEqual([400, expect.stringMatching(/alternateLocation: must be a directory path on the primary host, not a URL/)]);

    const alternate = join(h.dir, 'rebuilt', 'plan');
    mkdirSync(alternate, { recursive: true });
    const started = await h.call('POST', `${plan}/plannedFailover`, details(alternate));
    expect(started.status).toBe(202);
    let jobDone = false;
    const serving = Promise.all([serveRounds('pc', a.stateDir, async () => jobDone), serveRounds('pd', b.stateDir, async () => jobDone)]);
    const done = await waitForJob(h, jobOf(started), ended, 120_000).finally(() => { jobDone = true; });
    await serving;
    expect(done.properties.state).toBe('Succeeded');
    for (const [name, machine] of [['pc', 'pc-dr'], ['pd', 'pd-dr']]) {
      const newDisk = join(alternate, `${name}-disk0.raw`);
      expect([existsSync(newDisk), existsSync(`${newDisk}.partial`)]).toEqual([true, false]);
      expect(qemuCompare(newDisk, 'raw', await downloadRecoveredDisk(h, machine, 'disk0'), 'vpc').status).toBe(0);
    }
    // The two new disks differ: each machine's data went to its own file.
    expect(qemuCompare(join(alternate, 'pc-disk0.raw'), 'raw', join(alternate, 'pd-disk0.raw'), 'raw').status).toBe(1);
  }, 300_000);

  it('a failback cancelled while it waits for the agent leaves a committed failover: the recovered machine runs, failback may start again', async () => {
    const { item } = await committedFailover('fb2');
    // The failback's input is checked first: CreateVmIfNotFound needs an absolute directory on the primary host, never a URL.
    const url = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, recoveryVmCreationOption: 'CreateVmIfNotFound', alternateLocation: 'https://example.com/disks' } } });
    expect([url.status, url.body.error.code]).toEqual([400, 'InvalidRequestBody']);
    expect(url.body.error.message).toMatch(/alternateLocation: must be a directory path on the primary host, not a URL/);
    const none = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, recoveryVmCreationOption: 'CreateVmIfNotFound' } } });
    expect([none.status, none.body.error.message]).toEqual([400, expect.stringMatching(/alternateLocation: recoveryVmCreationOption CreateVmIfNotFound writes a new disk/)]);
    const failback = jobOf(await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForDownTime' } } }));
    const waiting = await waitForJob(h, failback, (j) => /digests/.test(tasksOf(j)['g0-finalSync-m0']?.stateDescription ?? ''), 60_000);
    expect(waiting.properties.tasks.map((t: any) => t.taskId)).toEqual(['prereq', 'g0-shutdown', 'g0-finalSync', 'g0-start']);
    expect((await h.call('POST', `${V}/replicationJobs/${failback}/cancel`, {}, 'Operator')).status).toBe(200);
    expect((await waitForJob(h, failback, ended, 60_000)).properties.state).toBe('Cancelled');
    const after = (await h.call('GET', item, undefined, 'Reader')).body.properties;
    expect(after).toMatchObject({ protectionState: 'FailoverCommitted', allowedOperations: ['PlannedFailover', 'ReverseReplicate'] });
    const machine = JSON.parse((await h.blobs.getContainerClient(FABRIC_CONTAINERS.machines).getBlobClient('asr-recovery/fb2-dr.json').downloadToBuffer()).toString());
    expect(machine.machine.powerState).toBe('Running');
    const left: string[] = [];
    for await (const b of h.blobs.getContainerClient('failback').listBlobsFlat()) if (b.name.includes('/fb2/')) left.push(b.name);
    expect(left).toEqual([]); // no failback request (or round) of fb2 stays
    // The cycle goes on: a new failback is accepted.
    const again = await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForDownTime' } } });
    expect(again.status).toBe(202);
    const second = jobOf(again);
    expect((await h.call('POST', `${V}/replicationJobs/${second}/cancel`, {}, 'Operator')).status).toBe(200);
    expect((await waitForJob(h, second, ended, 60_000)).properties.state).toBe('Cancelled');
  }, 240_000);
  it('a plan of two groups with a manual action, driven by the official client: failover, commit, failback (ForDownTime) stops at the action, resume, commit, reprotect', async () => {
    const client = siteRecoveryClient(h.host.baseUrl, SUB, await h.token('Contributor'));
    const fast = { updateIntervalInMs: 200 };
    const a = await protectedItem('pa');
    const b = await protectedItem('pb');
    const manual = { actionName: 'check-primary', failoverTypes: ['PlannedFailover'], failoverDirections: ['RecoveryToPrimary'], customDetails: { instanceType: 'ManualActionDetails', description: 'Check the primary site before group 2' } };
    await client.replicationRecoveryPlans.beginCreateAndWait(VAULT, RG, 'home-plan', {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [
          { groupType: 'Boot', replicationProtectedItems: [{ id: a.item }], endGroupActions: [manual as never] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: b.item }] },
        ],
      },
    });
    await client.replicationRecoveryPlans.beginUnplannedFailoverAndWait(VAULT, RG, 'home-plan', {
      properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' } as never] },
    }, fast);
    const committed = await client.replicationRecoveryPlans.beginFailoverCommitAndWait(VAULT, RG, 'home-plan', fast);
    expect(committed.properties!.allowedOperations).toEqual(['PlannedFailover', 'ReverseReplicate']);
    await workloadWrites('pa-dr', 12, 2);
    await workloadWrites('pb-dr', 7, 3);

    let jobDone = false;
    const serving = Promise.all([serveRounds('pa', a.stateDir, async () => jobDone), serveRounds('pb', b.stateDir, async () => jobDone)]);
    try {
      const atAction = await client.replicationRecoveryPlans.beginPlannedFailoverAndWait(VAULT, RG, 'home-plan', {
        properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzureFailback', dataSyncOption: 'ForDownTime', recoveryVmCreationOption: 'NoAction' }] },
      }, fast);
      const jobName = atAction.properties!.currentScenario!.jobId!.split('/').pop()!;
      const suspended = await client.replicationJobs.get(VAULT, RG, jobName);
      expect(suspended.properties).toMatchObject({ state: 'Suspended', scenarioName: 'Failback' });
      const order = (await h.call('GET', `${V}/replicationJobs/${jobName}`, undefined, 'Reader')).body;
      expect(order.properties.tasks.map((t: any) => [t.taskId, t.state])).toEqual([
        // g0 and g1 are the plan's Shutdown and Failover groups (no items); Group 1 is g2, Group 2 g3.
        ['prereq', 'Succeeded'], ['g2-shutdown', 'Succeeded'], ['g2-finalSync', 'Succeeded'], ['g2-start', 'Succeeded'], ['g2-end0', 'Suspended'],
        ['g3-shutdown', 'NotStarted'], ['g3-finalSync', 'NotStarted'], ['g3-start', 'NotStarted'],
      ]);
      // Group 1 is home while group 2 still runs in the recovery site.
      expect(qemuCompare(a.raw, 'raw', await downloadRecoveredDisk(h, 'pa-dr', 'disk0'), 'vpc').status).toBe(0);
      expect(qemuCompare(b.raw, 'raw', await downloadRecoveredDisk(h, 'pb-dr', 'disk0'), 'vpc').status).toBe(1);
      await client.replicationJobs.beginResumeAndWait(VAULT, RG, jobName, { properties: { comments: 'primary ok' } }, fast);
      const done = await waitForJob(h, jobName, ended, 120_000);
      expect(done.properties.state).toBe('Succeeded');
      expect(tasksOf(done)['g3-finalSync-m0'].customDetails).toMatchObject({ round: 1, blocksChanged: 7 });
    } finally {
      jobDone = true;
      await serving;
    }
    expect(qemuCompare(b.raw, 'raw', await downloadRecoveredDisk(h, 'pb-dr', 'disk0'), 'vpc').status).toBe(0);
    const back = await client.replicationRecoveryPlans.get(VAULT, RG, 'home-plan');
    expect(back.properties!.allowedOperations).toEqual(['FailoverCommit', 'CancelFailover']);
    await client.replicationRecoveryPlans.beginFailoverCommitAndWait(VAULT, RG, 'home-plan', fast);
    const item = await client.replicationProtectedItems.get(VAULT, RG, FABRIC, CONTAINER, 'pa');
    expect(item.properties).toMatchObject({ protectionState: 'FailbackCommitted', allowedOperations: ['ReverseReplicate'] });
    const reprotected = await client.replicationRecoveryPlans.beginReprotectAndWait(VAULT, RG, 'home-plan', fast);
    expect(reprotected.properties!.allowedOperations).toEqual(INITIAL);
    for (const m of ['pa-dr', 'pb-dr']) expect(await h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient(`asr-recovery/${m}/disk0.vhd`).exists()).toBe(false);
  }, 300_000);
  it('an encrypted item fails back with its key (supplied to the operation, never stored); without it the failback fails its prerequisites and may be retried', async () => {
    expect((await h.call('PUT', `${V}/replicationPolicies/policy-enc`, {
      properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 24, applicationConsistentSnapshotFrequencyInHours: 1, encryption: 'Enabled' } },
    })).status).toBeLessThan(300);
    const key = randomBytes(64);
    const keyFile = join(h.dir, 'enc.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    const raw = join(h.dir, 'enc1.raw');
    writeFileSync(raw, Buffer.alloc(4 * MiB));
    qemuIo(raw, 'raw', 'write -P 0x21 0 1M');
    const stateDir = join(h.dir, 'state-enc1');
    await protectItem(api, h.blobs, { vault: VAULT, item: 'enc1', diskPaths: [raw], policy: 'policy-enc', keyFile, fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
    const item = `${P}/enc1`;
    expect((await h.call('PATCH', item, { properties: { recoveryAzureVMName: 'enc1-dr', selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);
    await syncItem(h.blobs, { vault: VAULT, item: 'enc1', stateDir, merge: { pollMs: 100 } });
    const pfx = key.toString('base64');
    const failover = jobOf(await h.call('POST', `${item}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest', primaryKekCertificatePfx: pfx } } }));
    expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
    expect((await waitForJob(h, jobOf(await h.call('POST', `${item}/failoverCommit`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
    await workloadWrites('enc1-dr', 9, 4);

    const keyless = jobOf(await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForDownTime' } } }));
    const refused = await waitForJob(h, keyless, ended, 60_000);
    expect(refused.properties.state).toBe('Failed');
    expect(refused.properties.errors[0].serviceErrorDetails.code).toBe('EncryptionKeyRequired');
    expect((await h.call('GET', item, undefined, 'Reader')).body.properties).toMatchObject({ protectionState: 'FailbackFailed', allowedOperations: ['PlannedFailover', 'CancelFailover'] });

    const failback = jobOf(await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForDownTime', primaryKekCertificatePfx: pfx } } }));
    let jobDone = false;
    const rounds = serveRounds('enc1', stateDir, async () => jobDone);
    const done = await waitForJob(h, failback, ended, 120_000).finally(() => { jobDone = true; });
    expect(await rounds).toBe(1);
    expect(done.properties.state).toBe('Succeeded');
    expect(tasksOf(done)['g0-finalSync-m0'].customDetails).toMatchObject({ round: 1, blocksChanged: 9 });
    expect(qemuCompare(raw, 'raw', await downloadRecoveredDisk(h, 'enc1-dr', 'disk0'), 'vpc').status).toBe(0);
    // The key is in no job document (the orchestration input holds only its sealed copy).
    for (const job of [keyless, failback]) expect(JSON.stringify((await h.call('GET', `${V}/replicationJobs/${job}`, undefined, 'Reader')).body)).not.toContain(pfx.slice(0, 24));
  }, 300_000);
});
