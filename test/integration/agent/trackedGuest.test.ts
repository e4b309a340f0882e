import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AgentState, configureTracking, protectItem, syncItem } from '../../../shared/agent';
import { ServiceError } from '../../../shared/errors';
import { buildGuest, GuestImage, killQemuUnder } from '../../support/guest';
import { RunningGuest } from '../../support/runningGuest';
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
    guest = new RunningGuest(dir.path);
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
    expect(compareWithSource(guest.raw, out)).toBe('0: Images are identical.');
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
    expect(first.disks[0].tracking).toMatchObject({ kind: 'qemu-dirty-bitmap', fullScan: true, reason: 'first cycle with qemu dirty bitmaps' });
    expect(first.disks[0].changedBlocks).toBe(2);

    // While the guest runs: 64 KiB + 4 KiB written; the cycle reads and ships about that, not the 18 MiB disk.
    await guest.write(image.dataOffset + 64 * K, 16 * K, 0x42);
    await guest.write(image.dataOffset + 200 * K, K, 0x43);
    const tracked = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    const d = tracked.disks[0];
    expect(d.tracking).toEqual({ kind: 'qemu-dirty-bitmap', fullScan: false });
    expect(d.changedBlocks).toBe(17);
    expect(d.bytesRead).toBe(17 * K);
    expect(tracked.bytesUploaded).toBeLessThan(17 * K + 16 * 1024);
    await guest.flush();
    await expectReplicaEqualsSource('tracked');

    // An idle cycle reads nothing.
    const idle = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect([idle.disks[0].changedBlocks, idle.disks[0].bytesRead, idle.disks[0].tracking?.fullScan]).toEqual([0, 0, false]);

    // qemu killed after a write the agent has not shipped; the file is written while qemu is down
    // (no bitmap sees that); qemu restarts and the guest writes again. Nothing may be missed.
    await guest.write(image.dataOffset + 300 * K, 2 * K, 0x44);
    await guest.flush();
    await guest.kill();
    qemuIo(guest.raw, 'raw', `write -P 0x45 ${image.dataOffset + 400 * K} 4k`);
    await guest.boot();
    await guest.write(image.dataOffset + 500 * K, K, 0x46);
    const after = await syncItem(cloud.blobs, { vault: 'v1', item: 'vm1', stateDir, merge });
    expect(after.disks[0].tracking).toMatchObject({ fullScan: true, reason: 'qemu restarted since the last cycle' });
    expect(after.disks[0].changedBlocks).toBe(3);
    await guest.stop();
    await expectReplicaEqualsSource('after-restart');
  });
});
