import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, diskRefs, qemuIo, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const merge = { pollMs: 100, timeoutMs: 60_000 };

describe('initial replication: no recovery point before the seed is complete', () => {
  let cloud: AgentCloud;
  const dir = tempDir('seed-points-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('a seed of several logs gets its first point at the log that completes it, and none before', async () => {
    await cloud.createVaultAndPolicy('vs', 'p30', false);
    const disk = join(dir.path, 'os.raw');
    writeFileSync(disk, Buffer.alloc(8 * MiB));
    qemuIo(disk, 'raw', 'write -P 0x11 0 3M', 'write -P 0x12 6M 1M');
    // 1 MiB per seed log: four logs carry the 4 MiB of data, a fifth (empty) one closes the seed.
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'vs', item: 'seeded', diskPaths: [disk], policy: 'p30', stateDir: join(dir.path, 'state'), seedLogBytes: MiB, merge });
    const [ref] = diskRefs(state);
    const lastSeedLog = BigInt(state.disks[0].nextSequence - 1);
    expect(lastSeedLog).toBeGreaterThanOrEqual(4n);
    const points = await cloud.deps.recorder.list(ref);
    expect(points.map((p) => p.sequence)).toEqual([lastSeedLog]);
  });
});
