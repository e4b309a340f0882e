import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem, syncItem } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, diskRefs, qemuCompare, qemuIo, snapshotImage, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const dir = tempDir('agent-blockdev-');
const backing = join(dir.path, 'backing.img');
writeFileSync(backing, Buffer.alloc(16 * MiB));
/** A loop device over a file: a real Linux block device (needs root and loop support; skipped without). */
const attach = spawnSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' });
const device = attach.status === 0 ? attach.stdout.trim() : undefined;
if (!device) dir.cleanup();

(device ? describe : describe.skip)('asr agent on a Linux block device', () => {
  let cloud: AgentCloud;

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('v5', 'p30', false);
  });
  afterAll(async () => {
    await cloud?.stop();
    if (device) execFileSync('losetup', ['-d', device]);
    dir.cleanup();
  });

  it('protects and syncs a loop device; the replica equals the device at the sync point', async () => {
    qemuIo(device!, 'raw', 'write -P 0x61 0 1M', 'write -P 0x62 12M 64k');
    const stateDir = join(dir.path, 'state');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'v5', item: 'vm5', diskPaths: [device!], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    expect(state.disks[0]).toMatchObject({ virtualSize: 16 * MiB, format: 'raw' });

    qemuIo(device!, 'raw', 'write -P 0x63 5M 8k');
    const atSync = join(dir.path, 'at-sync.raw');
    snapshotImage(device!, 'raw', atSync);
    const sync = await syncItem(cloud.blobs, { vault: 'v5', item: 'vm5', stateDir, merge: { pollMs: 100 } });
    // A device has no trustworthy mtime: it is always scanned, and only the changed blocks ship.
    expect(sync.disks[0]).toMatchObject({ skippedByStamp: false, changedBlocks: 2, bytesRead: 16 * MiB });

    const replica = join(dir.path, 'replica.vhd');
    expect((await cloud.materialize(diskRefs(state)[0], replica)).verified).toBe(true);
    expect(qemuCompare(atSync, 'raw', replica, 'vpc').status).toBe(0);
  });
});
