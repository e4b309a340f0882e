import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AgentState, configureTracking, protectItem, QmpClient, syncItem } from '../../../shared/agent';
import { ServiceError } from '../../../shared/errors';
import { buildGuest, GuestImage, killQemuUnder } from '../../support/guest';
import { RunningGuest } from '../../../devhost/guest/RunningGuest';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, diskRefs, qemuIo, startAgentCloud } from './agentHarness';

const K = 4096;
const merge = { pollMs: 100, timeoutMs: 90_000 };

/** qemu-img compare of the source's raw file (read shared: qemu may hold it) with a materialized replica. */
function compareWithSource(raw: string, replica: string): string {
  const r = spawnSync('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'vpc', raw, replica], { encoding: 'utf8' });
  return `${r.status}: ${r.stdout.trim()}${r.stderr.trim()}`;
}

describe('asr agent with qemu dirty-bitmap tracking on a running guest (TCG guest, Azurite, API, merge engine; qemu-img judges)', () => {
  jest.setTimeout(300_000);
  const dir = tempDir('agent-tracked-');
  let cloud: AgentCloud;
  let image: GuestImage;
  let guest: RunningGuest;
  const stateDir = join(dir.path, 'state');
  const target = { stateDir, vault: 'v1', item: 'vm1', diskId: 'disk0' };
  let protectedState: AgentState | undefined;

  beforeAll(async () => {
    image = buildGuest();
    guest = new RunningGuest(dir.path, (s) => QmpClient.connect(s));
    guest.prepare(image.path);
    [cloud] = await Promise.all([startAgentCloud(), guest.boot()]);
  });
  afterAll(async () => {
    await guest?.stop().catch(() => undefined);
    killQemuUnder(dir.path);
    await cloud?.stop();
    dir.cleanup();
  });

  async function expectReplicaEqualsSource(label: string): Promise<void> {
    const ref = diskRefs(protectedState!)[0];
    const out = join(dir.path, `replica-${label}.vhd`);
    const m = await cloud.materialize(ref, out);
    expect(m.verified).toBe(true);
    // The VHD's virtual size rounds the raw file's up (qemu warns of the size mismatch); the rest must be zeros.
    expect(compareWithSource(guest.raw, out)).toMatch(/^0: (Warning: Image size mismatch!\s*)?Images are identical\.$/);
  }

  it('ships only the dirty blocks while the guest runs; after qemu is killed the next cycle scans everything and misses nothing', async () => {
    expect(await guest.served()).toBe(''); // the guest is up and serving (its data partition is empty)
    await cloud.createVaultAndPolicy('v1', 'p30', false);
    protectedState = (await protectItem(cloud.api, cloud.blobs, { vault: 'v1', item: 'vm1', diskPaths: [guest.raw], policy: 'p30', stateDir, merge })).state;

    // Configuration mistakes are refused before anything is recorded.
    await expect(configureTracking(target, { kind: 'qemu-dirty-bitmap', qmpSocket: 'qmp.sock', node: 'disk0' })).rejects.toMatchObject({ code: 'InvalidChangeTracking' });
    await expect(configureTracking(target, { kind: 'qemu-dirty-bitmap', qmpSocket: guest.qmpSocket, node: 'disk0-data' })).rejects.toMatchObject({ code: 'InvalidChangeTracking' });
    await expect(configureTracking(target, { kind: 'qemu-dirty-bitmap', qmpSocket: guest.qmpSocket, node: 'nosuch' })).rejects.toMatchObject({ code: 'QemuDiskNotFound' });
    await expect(configureTracking(target, { kind: 'qemu-dirty-bitmap', qmpSocket: join(dir.path, 'none.sock'), node: 'disk0' })).rejects.toBeInstanceOf(ServiceError);
    await expect(configureTracking({ ...target, diskId: 'disk9' }, { kind: 'qemu-dirty-bitmap', qmpSocket: guest.qmpSocket, node: 'disk0' })).rejects.toMatchObject({ code: 'InvalidChangeTracking' });
    await configureTracking(target, { kind: 'qemu-dirty-bitmap', qmpSocket: guest.qmpSocket, node: guest.node });

    // The first tracked cycle has no record yet: a full scan (through qemu's export), which starts the bitmaps.
    await guest.write(image.dataOffset, 8 * K, 0x41);
    const first = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(first.disks[0].tracking).toMatchObject({ kind: 'qemu-dirty-bitmap', fullScan: true, reason: 'no dirty bitmaps of the agent in qemu: the first tracked cycle, or qemu restarted without saving them (killed)' });
    // The guest writes its own disk too (it mounted its data partition), so at least the test's 2 blocks.
    expect(first.disks[0].changedBlocks).toBeGreaterThanOrEqual(2);

    // While the guest runs: 64 KiB + 4 KiB written; the cycle reads and ships about that, not the 18 MiB disk.
    await guest.write(image.dataOffset + 64 * K, 16 * K, 0x42);
    await guest.write(image.dataOffset + 200 * K, K, 0x43);
    const tracked = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    const d = tracked.disks[0];
    expect(d.tracking).toEqual({ kind: 'qemu-dirty-bitmap', fullScan: false });
    expect(d.changedBlocks).toBeGreaterThanOrEqual(17);
    // Only the ranges the bitmap names are read: a few blocks beyond the test's own, never the disk.
    expect(d.bytesRead).toBeGreaterThanOrEqual(17 * K);
    expect(d.bytesRead).toBeLessThan(64 * 17 * K);
    expect(d.bytesRead).toBeLessThan(statSync(guest.raw).size / 20);
    expect(tracked.bytesUploaded).toBeLessThan(d.changedBlocks * K + 64 * 1024);
    await guest.flush();
    await expectReplicaEqualsSource('tracked');

    // An idle cycle (only what the guest itself wrote) reads next to nothing.
    const idle = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(idle.disks[0].tracking?.fullScan).toBe(false);
    expect(idle.disks[0].bytesRead).toBeLessThan(64 * K);

    // qemu killed after a write the agent has not shipped; the file is written while qemu is down
    // (no bitmap sees that); qemu restarts and the guest writes again. Nothing may be missed.
    await guest.write(image.dataOffset + 32 * K, 2 * K, 0x44);
    await guest.flush();
    await guest.kill();
    qemuIo(guest.raw, 'raw', `write -P 0x45 ${image.dataOffset + 40 * K} 4k`);
    await guest.boot();
    await guest.write(image.dataOffset + 48 * K, K, 0x46);
    const after = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    // Killed, qemu saved no bitmap: the tracker finds none of its own and cannot vouch for anything.
    expect(after.disks[0].tracking).toMatchObject({ fullScan: true, reason: expect.stringMatching(/qemu restarted without saving them/) });
    expect(after.disks[0].changedBlocks).toBeGreaterThanOrEqual(3);
    await guest.stop();
    await expectReplicaEqualsSource('after-restart');
  });
});
