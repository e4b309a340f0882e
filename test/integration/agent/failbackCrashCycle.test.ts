import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AsrApiClient } from '../../../cli/api/AsrApiClient';
import { FABRIC_CONTAINERS } from '../../../shared/fabric';
import { downloadRecoveredDisk, jobOf, RG, SUB, V, VAULT, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';
import { waitFor } from '../../support/waitFor';
import { qemuCompare } from './agentHarness';
import * as cycle from './failbackCycleHarness';
import { ended, FAILBACK, MiB, tasksOf } from './failbackCycleHarness';

const ROOT = join(__dirname, '..', '..', '..');
const SYNC_FIRST = { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: { ...FAILBACK, dataSyncOption: 'ForSynchronization' } } };

/**
 * kill -9 in the middle of a failback (issue 13), on funclocal with the real agent and qemu-img
 * as judge: of the host (the job's history lives in Azurite; the restarted host replays it and
 * the agent's rounds go on meanwhile), and of the agent (`asr agent sync` in a child process,
 * killed right after its journal's commit point: the rerun completes the round from the
 * journal). Either way the job completes, nothing half-applied is reported as applied, the
 * primary disk equals the recovered disk at shutdown, and the cycle goes on to reprotect.
 */
describe('the failback cycle survives kill -9 (funclocal, real agent)', () => {
  let h: RecoveryHost;
  let api: AsrApiClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ h, api, stop } = await cycle.startCycleHost());
  }, 240_000);
  afterAll(async () => {
    await stop?.();
  });

  /** The real CLI (`asr agent sync`) in a child process, as an operator runs it on the primary host. */
  function agentSync(name: string, stateDir: string): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> } {
    const child = spawn(process.execPath, [
      '-r', join(ROOT, 'test', 'integration', 'agent', 'tsRegister.js'), join(ROOT, 'cli', 'commands', 'agent.ts'),
      'agent', 'sync', VAULT, name, '--state-dir', stateDir, '--json',
    ], {
      cwd: ROOT,
      env: { ...process.env, ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer'), ASR_DATA_DIR: h.dir, ASR_STORAGE_CONNECTION_STRING: h.azurite.connectionString, ASR_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, output: () => out, exited };
  }

  /** The workload writes every other 4 KiB block of [fromMiB, toMiB) of its disk: as many separate records, so applying them takes a while. */
  async function scatteredWrites(machine: string, fromMiB: number, toMiB: number): Promise<number> {
    const blob = h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(`asr-recovery/${machine}/disk0.vhd`);
    let blocks = 0;
    for (let at = fromMiB * MiB; at < toMiB * MiB; at += 4 * MiB) {
      const chunk = Buffer.alloc(4 * MiB);
      for (let b = 0; b < chunk.length; b += 8192, blocks++) randomBytes(4096).copy(chunk, b);
      await blob.uploadPages(chunk, at, chunk.length);
    }
    return blocks;
  }

  it('a host killed with SIGKILL while its failback job waits for the agent: the restarted host finishes the job, the disks are equal, the cycle goes on', async () => {
    const c = await cycle.committedFailover(h, api, 'hk1');
    await cycle.workloadWrites(h, 'hk1-dr', 40, 7);
    const job = jobOf(await h.call('POST', `${c.item}/plannedFailover`, SYNC_FIRST));
    // Round 1's delta is prepared and waits for the agent: kill the host there, mid-job.
    await waitFor(async () => (await cycle.serveOnce(h, 'hk1', c.stateDir)) === 'waiting', { timeoutMs: 60_000, describe: 'the agent to report round 1 digests' });
    await waitForJob(h, job, (j) => /ready; waiting for the primary site's agent to apply it/.test(tasksOf(j)['g0-sync-m0']?.stateDescription ?? ''), 60_000);
    await h.restart(true);
    expect(h.host.logs()).toMatch(/Host started/);
    let jobDone = false;
    const rounds = cycle.serveRounds(h, 'hk1', c.stateDir, async () => jobDone);
    const done = await waitForJob(h, job, ended, 120_000).finally(() => { jobDone = true; });
    expect(await rounds).toBe(2);
    expect(done.properties.state).toBe('Succeeded');
    // The same tasks as without the crash, each once, all succeeded.
    expect(done.properties.tasks.map((t: any) => [t.taskId, t.state])).toEqual([
      ['prereq', 'Succeeded'], ['g0-sync', 'Succeeded'], ['g0-shutdown', 'Succeeded'], ['g0-finalSync', 'Succeeded'], ['g0-start', 'Succeeded'],
    ]);
    expect(tasksOf(done)['g0-sync-m0'].customDetails).toMatchObject({ round: 1, blocksChanged: 40 });
    expect(qemuCompare(c.raw, 'raw', await downloadRecoveredDisk(h, 'hk1-dr', 'disk0'), 'vpc').status).toBe(0);
    await cycle.commitAndReprotect(h, c.item);
    expect((await cycle.forwardAgainEqual(h, 'hk1', c)).bytesUploaded).toBeLessThan(1 * MiB);
  }, 400_000);

  it('an agent killed with SIGKILL while it applies a round: nothing is reported applied, the rerun completes it from its journal, the job succeeds and the cycle goes home', async () => {
    const c = await cycle.committedFailover(h, api, 'ak1', 32);
    const changed = await scatteredWrites('ak1-dr', 4, 20);
    const job = jobOf(await h.call('POST', `${c.item}/plannedFailover`, SYNC_FIRST));
    const rounds = join(c.stateDir, VAULT, 'ak1', 'failback');
    const committedRound = () => (existsSync(rounds) ? readdirSync(rounds).find((r) => r.endsWith('.1') && existsSync(join(rounds, r, 'journal.json'))) : undefined);

    const first = agentSync('ak1', c.stateDir);
    await waitFor(() => committedRound() !== undefined || first.child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 2, describe: () => `the journal commit (${first.output()})` });
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Half applied, and said nowhere to be done: no receipt, the job's round still waits for the agent.
    const roundDir = join(rounds, committedRound()!);
    expect(existsSync(join(roundDir, 'applied.json'))).toBe(false);
    const mid = await h.call('GET', `${V}/replicationJobs/${job}`, undefined, 'Reader');
    expect(tasksOf(mid.body)['g0-sync-m0'].state).not.toBe('Succeeded');
    expect((await h.call('GET', c.item, undefined, 'Reader')).body.properties.protectionState).toBe('FailbackInProgress');

    const second = agentSync('ak1', c.stateDir);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(second.output().trim().split('\n').pop()!)).toMatchObject({ event: 'failback', state: 'applied', resumed: true, bytesApplied: changed * 4096 });
    let jobDone = false;
    const more = cycle.serveRounds(h, 'ak1', c.stateDir, async () => jobDone);
    const done = await waitForJob(h, job, ended, 120_000).finally(() => { jobDone = true; });
    expect(await more).toBe(2); // round 1 reported again from its receipt (no second apply), then round 2
    expect(done.properties.state).toBe('Succeeded');
    expect(tasksOf(done)['g0-sync-m0'].customDetails).toMatchObject({ round: 1, blocksChanged: changed });
    expect(qemuCompare(c.raw, 'raw', await downloadRecoveredDisk(h, 'ak1-dr', 'disk0'), 'vpc').status).toBe(0);
    await cycle.commitAndReprotect(h, c.item);
    // The new epoch ships what the recovery site wrote (the replica lacks it), no full re-seed of the 32 MiB.
    expect((await cycle.forwardAgainEqual(h, 'ak1', c)).bytesUploaded).toBeLessThan(changed * 4096 * 1.1 + MiB);
  }, 400_000);
});
