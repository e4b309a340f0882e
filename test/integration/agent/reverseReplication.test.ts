import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerFailbackCommands } from '../../../cli/commands/failback';
import { registerJobCommands } from '../../../cli/commands/job';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { protectItem, syncFailback, syncItem } from '../../../shared/agent';
import { CONTAINER, downloadRecoveredDisk, FABRIC, jobOf, P, RG, SUB, V, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { qemuCompare, qemuIo } from './agentHarness';
import { waitFor } from '../../support/waitFor';
import * as cycle from './failbackCycleHarness';
import { runAsrInProcess } from '../../support/runAsrInProcess';

/** Runs `asr …` (the failback and job command groups) in this process against the host `h`. */
const asr = (h: RecoveryHost, ...args: string[]) => runAsrInProcess([registerFailbackCommands, registerJobCommands], args,
  { ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer') });

const MiB = 1024 * 1024;
const BLOCK = 4096;
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
const REVERSE = { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure' } } };

/**
 * Continuous reverse replication (issue 13 point 4, docs/reverse-replication.md) against the whole
 * app on funclocal with the real agent and qemu-img as judge: after a committed failover,
 * reprotect RecoveryToPrimary; the `reverseReplication` timer asks for a round every interval
 * (3 s here), the agent applies it; the primary disk equals the recovered disk after a round; a
 * second write ships only its delta; stop and start again; a failback then ships nothing more.
 */
describe('reverse replication (funclocal, real agent)', () => {
  let h: RecoveryHost;
  let api: AsrApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ h, api, stop } = await cycle.startCycleHost({ RECOVERY_REVERSE_INTERVAL_SECONDS: '3' }, { app: join(__dirname, 'reverse-fixture-app') }));
  }, 240_000);
  afterAll(async () => {
    await stop?.();
  });

  const props = async (item: string) => (await h.call('GET', item, undefined, 'Reader')).body.properties;

  const workloadWrites = (machine: string, count: number, seed: number) => cycle.workloadWrites(h, machine, count, seed);

  /** Protects `name` with a 4 MiB raw disk (written by qemu) and syncs it; the recovered machine will be `{name}-dr`. */
  async function protectedItem(name: string, pattern: string, extra: { policy?: string; keyFile?: string } = {}): Promise<{ raw: string; stateDir: string; item: string }> {
    const raw = join(h.dir, `${name}.raw`);
    writeFileSync(raw, Buffer.alloc(4 * MiB));
    qemuIo(raw, 'raw', `write -P ${pattern} 0 1M`);
    const stateDir = join(h.dir, `state-${name}`);
    await protectItem(api, h.blobs, { vault: VAULT, item: name, diskPaths: [raw], policy: extra.policy ?? 'policy-30s', keyFile: extra.keyFile, fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
    const item = `${P}/${name}`;
    expect((await h.call('PATCH', item, { properties: { recoveryAzureVMName: `${name}-dr`, selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);
    await syncItem(h.blobs, { vault: VAULT, item: name, stateDir, merge: { pollMs: 100 } });
    return { raw, stateDir, item };
  }

  /** The primary host's agent serves rounds (asr agent sync, repeatedly) until `until` holds. */
  async function serveUntil(name: string, stateDir: string, until: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await until())) {
      if (Date.now() > deadline) throw new Error(`timed out serving reverse rounds of ${name}\n${h.host.logs().split('\n').filter((l) => /reverse/i.test(l)).slice(-20).join('\n')}`);
      await syncFailback(h.blobs, { vault: VAULT, item: name, stateDir, waitMs: 5_000, pollMs: 200 }).catch((err: { code?: string }) => { if (err.code !== 'FailbackTimedOut') throw err; });
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('reprotect RecoveryToPrimary keeps the primary disk in sync round by round; a second write ships only its delta; stop, start again, fail back with almost nothing to ship', async () => {
    const name = 'rv1';
    const { raw, stateDir, item } = await protectedItem(name, '0x11');

    // Wrong state: the item runs in the primary site; reverse replication needs a committed failover.
    const early = await h.call('POST', `${item}/reProtect`, REVERSE);
    expect([early.status, early.body.error.code]).toEqual([400, 'ReverseReplicationNotAllowed']);
    expect(early.body.error.message).toMatch(/rv1' is Protected and runs in the primary site/);

    const failover = jobOf(await h.call('POST', `${item}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' } } }));
    expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
    const uncommitted = await h.call('POST', `${item}/reProtect`, REVERSE);
    expect([uncommitted.status, uncommitted.body.error.message]).toEqual([400, expect.stringMatching(/FailedOver and its failover is not committed/)]);
    const commit = jobOf(await h.call('POST', `${item}/failoverCommit`, {}));
    expect((await waitForJob(h, commit, ended, 60_000)).properties.state).toBe('Succeeded');
    expect((await props(item)).allowedOperations).toEqual(['PlannedFailover', 'ReverseReplicate']);

    // The workload writes in the recovery site; reverse replication starts.
    await workloadWrites(`${name}-dr`, 40, 1);
    const reprotect = jobOf(await h.call('POST', `${item}/reProtect`, REVERSE));
    const started = await waitForJob(h, reprotect, ended, 60_000);
    expect(started.properties.state).toBe('Succeeded');
    expect(started.properties.scenarioName).toBe('ReverseReprotect');
    expect(await props(item)).toMatchObject({ protectionState: 'ReverseReplicating', activeLocation: 'Recovery', allowedOperations: ['PlannedFailover', 'CancelFailover'] });
    const again = await h.call('POST', `${item}/reProtect`, REVERSE);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);

    const recoveredEqual = async () => qemuCompare(raw, 'raw', await downloadRecoveredDisk(h, `${name}-dr`, 'disk0'), 'vpc').status === 0;
    await serveUntil(name, stateDir, async () => ((await props(item)).reverseReplicationDetails?.roundsCompleted ?? 0) >= 1, 90_000);
    const first = (await props(item)).reverseReplicationDetails;
    expect(first).toMatchObject({ state: 'Replicating', intervalSeconds: 3, lastBytesChanged: 40 * BLOCK });
    expect(first.lastBytesShipped).toBeLessThanOrEqual(40 * BLOCK * 1.1 + BLOCK);
    expect(Date.parse(first.lastSyncTime)).toBeGreaterThan(Date.parse(started.properties.startTime));
    expect(await recoveredEqual()).toBe(true); // qemu-img: the primary disk is the recovered disk

    // A second write: the next round ships only it.
    await workloadWrites(`${name}-dr`, 10, 7);
    await serveUntil(name, stateDir, recoveredEqual);
    await serveUntil(name, stateDir, async () => ((await props(item)).reverseReplicationDetails?.totalBytesShipped ?? 0) > first.totalBytesShipped);
    const second = (await props(item)).reverseReplicationDetails;
    const rounds = second.roundsCompleted - first.roundsCompleted;
    expect(second.totalBytesShipped - first.totalBytesShipped).toBeLessThanOrEqual(10 * BLOCK * 1.1 + rounds * BLOCK);
    expect(await recoveredEqual()).toBe(true);

    // Stop (failoverCancel): a committed failover again, from which reverse replication starts anew.
    const stop = jobOf(await h.call('POST', `${item}/failoverCancel`, {}));
    expect((await waitForJob(h, stop, ended, 60_000)).properties.state).toBe('Succeeded');
    expect(await props(item)).toMatchObject({ protectionState: 'FailoverCommitted', allowedOperations: ['PlannedFailover', 'ReverseReplicate'], reverseReplicationDetails: { state: 'Stopped' } });
    const standing: string[] = [];
    for await (const b of h.blobs.getContainerClient('reverse-replication').listBlobsFlat()) standing.push(b.name);
    expect(standing.filter((b) => b.endsWith(`/${name}.json`))).toEqual([]); // the record (and its sealed key) is gone
    const restart = jobOf(await h.call('POST', `${item}/reProtect`, REVERSE));
    expect((await waitForJob(h, restart, ended, 60_000)).properties.state).toBe('Succeeded');
    await serveUntil(name, stateDir, async () => (await props(item)).reverseReplicationDetails?.state === 'Replicating');

    // Fail back: the primary is in sync, so the sync round ships (almost) nothing and the failback completes.
    const fb = jobOf(await h.call('POST', `${item}/plannedFailover`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { instanceType: 'HyperVReplicaAzureFailback', dataSyncOption: 'ForSynchronization' } } }));
    let done = false;
    const serving = serveUntil(name, stateDir, async () => done, 120_000);
    const finished = await waitForJob(h, fb, ended, 120_000).finally(() => { done = true; });
    await serving;
    expect(finished.properties.state).toBe('Succeeded');
    const tasks: Record<string, any> = {};
    for (const t of finished.properties.tasks) for (const c of t.groupTaskCustomDetails?.childTasks ?? []) tasks[c.taskId] = c;
    expect(tasks['g0-sync-m0'].customDetails.blocksChanged).toBe(0);
    expect(tasks['g0-sync-m0'].customDetails.bytesShipped).toBeLessThan(BLOCK);
    expect(await props(item)).toMatchObject({ protectionState: 'FailbackCompleted', activeLocation: 'Primary' });
    expect(await recoveredEqual()).toBe(true);
  }, 420_000);
  it('an encrypted item reverse replicates with its key supplied to the reprotect (400 without it); the key is at rest nowhere in plain text', async () => {
    expect((await h.call('PUT', `${V}/replicationPolicies/policy-enc`, {
      properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30, recoveryPointHistoryDuration: 24, applicationConsistentSnapshotFrequencyInHours: 1, encryption: 'Enabled' } },
    })).status).toBeLessThan(300);
    const key = randomBytes(64);
    const keyFile = join(h.dir, 'rv-enc.key');
    writeFileSync(keyFile, key, { mode: 0o600 });
    const { raw, stateDir, item } = await protectedItem('rve', '0x21', { policy: 'policy-enc', keyFile });
    const pfx = key.toString('base64');
    const failover = jobOf(await h.call('POST', `${item}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest', primaryKekCertificatePfx: pfx } } }));
    expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
    expect((await waitForJob(h, jobOf(await h.call('POST', `${item}/failoverCommit`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
    await workloadWrites('rve-dr', 12, 3);

    const keyless = await h.call('POST', `${item}/reProtect`, REVERSE);
    expect([keyless.status, keyless.body.error.code]).toEqual([400, 'EncryptionKeyRequired']);
    const reprotect = jobOf(await h.call('POST', `${item}/reProtect`, { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', primaryKekCertificatePfx: pfx } } }));
    expect((await waitForJob(h, reprotect, ended, 60_000)).properties.state).toBe('Succeeded');
    await serveUntil('rve', stateDir, async () => ((await props(item)).reverseReplicationDetails?.roundsCompleted ?? 0) >= 1, 90_000);
    expect((await props(item)).reverseReplicationDetails).toMatchObject({ state: 'Replicating', lastBytesChanged: 12 * BLOCK });
    expect(qemuCompare(raw, 'raw', await downloadRecoveredDisk(h, 'rve-dr', 'disk0'), 'vpc').status).toBe(0);

    // The standing record, the failback channel's blobs and the item hold no form of the key.
    const forms = [pfx.slice(0, 24), key.toString('hex').slice(0, 32), key.toString('base64url').slice(0, 24)];
    const texts: string[] = [JSON.stringify(await props(item))];
    for (const c of ['reverse-replication', 'failback']) {
      for await (const b of h.blobs.getContainerClient(c).listBlobsFlat()) {
        if (b.name.includes('rve')) texts.push((await h.blobs.getContainerClient(c).getBlobClient(b.name).downloadToBuffer()).toString('latin1'));
      }
    }
    expect(texts.length).toBeGreaterThan(2);
    for (const t of texts) for (const f of forms) expect(t.includes(f)).toBe(false);

    const stop = jobOf(await h.call('POST', `${item}/failoverCancel`, {}));
    expect((await waitForJob(h, stop, ended, 60_000)).properties.state).toBe('Succeeded');
    expect((await props(item)).protectionState).toBe('FailoverCommitted');
  }, 300_000);

  it('a recovery plan: asr plan reprotect --direction RecoveryToPrimary starts reverse replication of its items; failoverCancel of the plan stops it', async () => {
    const { raw, stateDir, item } = await protectedItem('rvp', '0x31');
    const plan = `${V}/replicationRecoveryPlans/rv-plan`;
    expect((await h.call('PUT', plan, { properties: { primaryFabricId: `${V}/replicationFabrics/${FABRIC}`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: item }] }] } })).status).toBeLessThan(300);
    await waitFor(async () => (await h.call('GET', plan, undefined, 'Reader')).status === 200, { timeoutMs: 30_000, describe: 'plan created' });
    const failover = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' }] } }));
    expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
    expect((await waitForJob(h, jobOf(await h.call('POST', `${plan}/failoverCommit`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
    await workloadWrites('rvp-dr', 5, 9);

    const cli = await asr(h, 'plan', 'reprotect', VAULT, 'rv-plan', '--direction', 'RecoveryToPrimary', '--json');
    expect({ code: cli.code, err: cli.err }).toEqual({ code: 0, err: '' });
    const started = JSON.parse(cli.out);
    expect((await waitForJob(h, started.job, ended, 60_000)).properties.state).toBe('Succeeded');
    expect((await h.call('GET', plan, undefined, 'Reader')).body.properties.allowedOperations).toEqual(['PlannedFailover', 'CancelFailover']);
    expect((await props(item)).protectionState).toBe('ReverseReplicating');
    await serveUntil('rvp', stateDir, async () => ((await props(item)).reverseReplicationDetails?.roundsCompleted ?? 0) >= 1, 90_000);
    expect(qemuCompare(raw, 'raw', await downloadRecoveredDisk(h, 'rvp-dr', 'disk0'), 'vpc').status).toBe(0);

    const stop = jobOf(await h.call('POST', `${plan}/failoverCancel`, {}));
    expect((await waitForJob(h, stop, ended, 60_000)).properties.state).toBe('Succeeded');
    expect((await props(item))).toMatchObject({ protectionState: 'FailoverCommitted', reverseReplicationDetails: { state: 'Stopped' } });

    // The official client's replicationRecoveryPlans.beginReprotect sends no body: after a committed failover that is reverse replication.
    const again = jobOf(await h.call('POST', `${plan}/reProtect`, undefined));
    const restarted = await waitForJob(h, again, ended, 60_000);
    expect(restarted.properties.state).toBe('Succeeded');
    expect((await props(item)).protectionState).toBe('ReverseReplicating');
    expect((await waitForJob(h, jobOf(await h.call('POST', `${plan}/failoverCancel`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
  }, 300_000);
});
