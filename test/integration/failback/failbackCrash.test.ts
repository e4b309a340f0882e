import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem } from '../../../shared/agent';
import { failbackRoundProgress, prepareFailbackDelta, requestFailbackRound } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { AgentCloud, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { BLOCK, downloadBlob, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

const ROOT = join(__dirname, '..', '..', '..');
const SIZE = 48 * 1024 * 1024;

describe('failback: a kill -9 of the agent in the middle of applying', () => {
  let cloud: AgentCloud;
  const dir = tempDir('failback-crash-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('fbk', 'p30', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  /** The real CLI (`asr agent sync`) in a child process, as an operator runs it on the source host. */
  function agentSync(stateDir: string): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, [
      '-r', join(ROOT, 'test', 'integration', 'agent', 'tsRegister.js'), join(ROOT, 'cli', 'commands', 'agent.ts'),
      'agent', 'sync', 'fbk', 'vmk', '--state-dir', stateDir, '--json',
    ], {
      cwd: ROOT,
      env: { ...process.env, ASR_ENDPOINT: cloud.apiUrl, ASR_DEV_ISSUER_DIR: cloud.issuerDir, ASR_STORAGE_CONNECTION_STRING: cloud.azurite.connectionString, ASR_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return { child, output: () => out };
  }

  const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  it('never presents a half-applied round as done; the rerun re-applies from the journal and the disk equals the recovered one', async () => {
    const disk = join(dir.path, 'k.raw');
    qemuDisk(disk, `${SIZE / 1024}k`, ['write -P 0x66 0 8M']);
    const stateDir = join(dir.path, 'state');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fbk', item: 'vmk', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const recovered = await recoveredBlobFrom(cloud, 'rg/vmk/disk0.vhd', disk);
    // Many scattered blocks: thousands of records, so the apply takes long enough to be killed inside.
    const changed = await writeRandomBlocks(recovered, SIZE, 3000);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-k', 1, [{ diskId: 'disk0', dataBytes: SIZE }]));

    const first = agentSync(stateDir);
    await waitFor(async () => (await failbackRoundProgress(cloud.deps, item, 'job-k', 1)) === 'Shipping', { timeoutMs: 60_000, describe: () => `the agent to report its digests (${first.output()})` });
    expect(await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toMatchObject({ bytesChanged: changed.length * BLOCK, blocks: changed.length });

    // Killed without warning as soon as the journal is committed: the apply is under way.
    const roundDir = join(stateDir, 'fbk', 'vmk', 'failback', 'job-k.1');
    await waitFor(() => existsSync(join(roundDir, 'journal.json')) || first.child.exitCode !== null, { timeoutMs: 60_000, intervalMs: 2, describe: 'the journal commit' });
    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toEqual({ code: null, signal: 'SIGKILL' });
    // Not done on either side: no receipt, nothing reported.
    expect(existsSync(join(roundDir, 'applied.json'))).toBe(false);
    expect(await failbackRoundProgress(cloud.deps, item, 'job-k', 1)).toBe('Applying');

    const second = agentSync(stateDir);
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
    const line = JSON.parse(second.output().trim().split('\n').pop()!);
    expect(line).toMatchObject({ event: 'failback', state: 'applied', resumed: true, bytesApplied: changed.length * BLOCK });
    expect(await failbackRoundProgress(cloud.deps, item, 'job-k', 1)).toMatchObject({ applied: { bytesApplied: changed.length * BLOCK } });
    const recoveredFile = join(dir.path, 'recovered.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);
  });
});
