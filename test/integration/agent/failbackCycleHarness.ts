import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { protectItem, syncFailback, syncItem } from '../../../shared/agent';
import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { CONTAINER, createSite, downloadRecoveredDisk, FABRIC, jobOf, P, RG, startRecoveryHost, SUB, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { ensureBuilt } from '../disk/qemu';
import { waitFor } from '../../support/waitFor';
import { qemuCompare, qemuIo, startMergePump } from './agentHarness';

/** The failback cycle's steps on funclocal with the real agent, shared by the suites that run it (failbackCycle, failbackCrashCycle). */

export const MiB = 1024 * 1024;
export const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
export const INITIAL = ['TestFailover', 'PlannedFailover', 'UnplannedFailover'];
export const FAILBACK = { instanceType: 'HyperVReplicaAzureFailback', recoveryVmCreationOption: 'NoAction' };

/** Every task and child task of a job by id. */
export function tasksOf(job: any): Record<string, any> {
  const out: Record<string, any> = {};
  for (const t of job.properties.tasks) {
    out[t.taskId] = t;
    for (const c of t.groupTaskCustomDetails?.childTasks ?? []) out[c.taskId] = c;
  }
  return out;
}

export interface CycleItem { raw: string; stateDir: string; item: string }

/** Protects `name` with a raw disk (4 MiB unless said) and syncs it; returns the disk and the agent's state dir. */
export async function protectedItem(h: RecoveryHost, api: AsrApiClient, name: string, sizeMiB = 4): Promise<CycleItem> {
  const raw = join(h.dir, `${name}.raw`);
  writeFileSync(raw, Buffer.alloc(sizeMiB * MiB));
  qemuIo(raw, 'raw', 'write -P 0x11 0 1M');
  const stateDir = join(h.dir, `state-${name}`);
  await protectItem(api, h.blobs, { vault: VAULT, item: name, diskPaths: [raw], policy: 'policy-30s', fabric: FABRIC, container: CONTAINER, stateDir, merge: { pollMs: 100 } });
  const item = `${P}/${name}`;
  expect((await h.call('PATCH', item, { properties: { recoveryAzureVMName: `${name}-dr`, selectedRecoveryAzureNetworkId: 'prod-vnet' } })).status).toBe(200);
  qemuIo(raw, 'raw', 'write -P 0x12 2M 64k');
  await syncItem(h.blobs, { vault: VAULT, item: name, stateDir, merge: { pollMs: 100 } });
  return { raw, stateDir, item };
}

/** Protects `name` and fails it over (unplanned, Latest) and commits. */
export async function committedFailover(h: RecoveryHost, api: AsrApiClient, name: string, sizeMiB = 4): Promise<CycleItem> {
  const it = await protectedItem(h, api, name, sizeMiB);
  const failover = jobOf(await h.call('POST', `${it.item}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' } } }));
  expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
  const commit = jobOf(await h.call('POST', `${it.item}/failoverCommit`, {}));
  expect((await waitForJob(h, commit, ended, 60_000)).properties.state).toBe('Succeeded');
  const committed = (await h.call('GET', it.item, undefined, 'Reader')).body.properties;
  expect(committed).toMatchObject({ protectionState: 'FailoverCommitted', activeLocation: 'Recovery', allowedOperations: ['PlannedFailover', 'ReverseReplicate'] });
  return it;
}

/** The workload in the recovery site writes `count` random 4 KiB blocks of its disk (the fabric's page blob, data from byte 0). */
export async function workloadWrites(h: RecoveryHost, machine: string, count: number, seed: number): Promise<void> {
  const blob = h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(`asr-recovery/${machine}/disk0.vhd`);
  for (let i = 0; i < count; i++) {
    const block = (seed * 31 + i * 97) % 1024; // within the 4 MiB data
    await blob.uploadPages(randomBytes(4096), block * 4096, 4096);
  }
}

/** The agent on the primary host serves failback rounds while `until` is false (asr agent sync, repeatedly); the rounds it applied. */
export async function serveRounds(h: RecoveryHost, name: string, stateDir: string, until: () => Promise<boolean>): Promise<number> {
  const rounds = new Set<string>();
  while (!(await until())) {
    const r = await syncFailback(h.blobs, { vault: VAULT, item: name, stateDir, waitMs: 60_000, pollMs: 200 });
    if (r.state === 'applied') rounds.add(`${r.jobId}/${r.round}`);
    await new Promise((res) => setTimeout(res, 300));
  }
  return rounds.size;
}

/** Commits the failback of `item` and reprotects it; returns the reprotect job. */
export async function commitAndReprotect(h: RecoveryHost, item: string): Promise<any> {
  expect((await waitForJob(h, jobOf(await h.call('POST', `${item}/failoverCommit`, {})), ended, 60_000)).properties.state).toBe('Succeeded');
  const reprotected = await waitForJob(h, jobOf(await h.call('POST', `${item}/reProtect`, { properties: { failoverDirection: 'PrimaryToRecovery' } })), ended, 60_000);
  expect(reprotected.properties.state).toBe('Succeeded');
  return reprotected;
}

/**
 * After a reprotect: the agent ships the new epoch (deltas only), the source `disk` writes
 * again and syncs, the item is Protected, and a test failover's disk equals `disk` (qemu-img).
 * Returns the first sync's report (the reprotect's epoch).
 */
export async function forwardAgainEqual(h: RecoveryHost, name: string, c: CycleItem, disk = c.raw): Promise<Awaited<ReturnType<typeof syncItem>>> {
  const report = await syncItem(h.blobs, { vault: VAULT, item: name, stateDir: c.stateDir, merge: { pollMs: 100 } });
  expect(report.repairEpoch).toBe(2);
  qemuIo(disk, 'raw', 'write -P 0x5b 3584k 4k');
  await syncItem(h.blobs, { vault: VAULT, item: name, stateDir: c.stateDir, merge: { pollMs: 100 } });
  await waitFor(async () => (await h.call('GET', c.item, undefined, 'Reader')).body.properties.protectionState === 'Protected', { timeoutMs: 30_000, describe: `${name} Protected again` });
  const test = jobOf(await h.call('POST', `${c.item}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
  const tested = await waitForJob(h, test, (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''), 90_000);
  expect(tested.properties.state).not.toBe('Failed');
  expect(qemuCompare(disk, 'raw', await downloadRecoveredDisk(h, `${name}-dr-test`, 'disk0'), 'vpc').status).toBe(0);
  expect((await waitForJob(h, jobOf(await h.call('POST', `${c.item}/testFailoverCleanup`, { properties: { comments: 'home' } }, 'Operator')), ended)).properties.state).toBe('Succeeded');
  return report;
}

/** One step of the agent's failback side (`asr agent sync --no-wait`): its state. */
export async function serveOnce(h: RecoveryHost, name: string, stateDir: string): Promise<string> {
  return (await syncFailback(h.blobs, { vault: VAULT, item: name, stateDir, noWait: true })).state;
}

/** The whole app on funclocal (dist/), a site, a merge pump and the CLI's API client: what each failback suite starts in beforeAll. */
export async function startCycleHost(env: Record<string, string> = {}, options: { app?: string } = {}): Promise<{ h: RecoveryHost; api: AsrApiClient; stop(): Promise<void> }> {
  ensureBuilt(); // the host runs dist/: `npm test` builds first, a lone run builds when it is missing
  const h = await startRecoveryHost(env, options);
  await createSite(h, []);
  const pump = startMergePump(h.blobs, h.replication);
  const api = new AsrApiClient({ endpoint: h.host.baseUrl, subscriptionId: SUB, resourceGroup: RG, dataDir: h.dir, devIssuerDir: join(h.dir, 'dev-issuer') });
  return { h, api, async stop() { await pump.stop(); await h.stop(); } };
}
