import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, diskRefs, qemuCompare, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const ROOT = join(__dirname, '..', '..', '..');

describe('asr agent protect: an interrupted seed resumes', () => {
  let cloud: AgentCloud;
  const dir = tempDir('agent-seed-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('v3', 'p30', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('after SIGKILL mid-seed, a rerun sends only what is left and the replicas equal the sources', async () => {
    const disks = [join(dir.path, 'a.raw'), join(dir.path, 'b.raw')];
    writeFileSync(disks[0], randomBytes(24 * MiB));
    writeFileSync(disks[1], randomBytes(8 * MiB));
    const stateDir = join(dir.path, 'state');

    // The real CLI in a child process, killed without warning after a few seed checkpoints.
    const child = spawn(process.execPath, [
      '-r', join(__dirname, 'tsRegister.js'), join(ROOT, 'cli', 'commands', 'agent.ts'),
      'agent', 'protect', 'v3', 'vm3', '--disk', disks[0], '--disk', disks[1], '--policy', 'p30', '--state-dir', stateDir, '--seed-log-mib', '1',
    ], {
      cwd: ROOT,
      env: { ...process.env, ASR_ENDPOINT: cloud.apiUrl, ASR_DEV_ISSUER_DIR: cloud.issuerDir, ASR_STORAGE_CONNECTION_STRING: cloud.azurite.connectionString, ASR_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const firstRunBytes = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const checkpoints = [...out.matchAll(/seed checkpoint: (\d+) bytes uploaded/g)];
        if (checkpoints.length >= 4 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve(Number(checkpoints[checkpoints.length - 1][1]));
        }
      });
      child.once('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the child ended (${code}) before it was killed: ${out}${err}`));
      });
    });
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(undefined)));
    expect(firstRunBytes).toBeGreaterThan(2 * MiB);

    const resumed = await protectItem(cloud.api, cloud.blobs, { vault: 'v3', item: 'vm3', diskPaths: disks, policy: 'p30', stateDir, seedLogBytes: MiB, merge: { pollMs: 100, timeoutMs: 60_000 } });
    expect(resumed.resumed).toBe(true);
    // The whole seed is 32 MiB of payload; the rerun sends what the first run had not.
    expect(resumed.bytesUploaded).toBeLessThan(32 * MiB - firstRunBytes + 2 * MiB);
    expect(resumed.bytesUploaded).toBeGreaterThan(0);
    expect(firstRunBytes + resumed.bytesUploaded).toBeGreaterThanOrEqual(32 * MiB);

    for (const [i, ref] of diskRefs(resumed.state).entries()) {
      const file = join(dir.path, `replica-${i}.vhd`);
      expect((await cloud.materialize(ref, file)).verified).toBe(true);
      expect(qemuCompare(disks[i], 'raw', file, 'vpc').status).toBe(0);
    }
  });
});
