import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationProbe } from '../../../shared/contracts/ApplicationProbe';
import { fabricDiskBlob, FabricTags, MachineSpec, MaterializedDisk, QemuFabric, verifyDiskBlob, FABRIC_CONTAINERS } from '../../../shared/fabric';
import { DiskRef, mergeDisk, ReplicationPolicy } from '../../../shared/replication';
import { materializeTargetDisk } from '../../../shared/recovery/activities/materializeTargetDisk';
import { buildGuest, GuestImage, killQemuUnder } from '../../support/guest';
import { tempDir } from '../../support/tempDir';
import { startReplicationHarness, ReplicationHarness } from '../replication/replicationHarness';
import { SourceDisk, uploadLog } from '../replication/SourceDisk';

const T0 = Date.UTC(2026, 11, 5, 1, 0);
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 };
const RG = 'rg-dr-qemu';
const AT_POINT_1 = 'order 1001: paid\n';
const AT_POINT_2 = 'order 1001: paid\norder 1002: shipped\n';

// Real qemu (TCG) booting the real guest (docs/guest.md): two boots in this suite.
describe('QemuFabric: recovered machines boot under qemu and answer their probes', () => {
  let h: ReplicationHarness;
  let fabric: QemuFabric;
  let guest: GuestImage;
  let disk: DiskRef;
  const tmp = tempDir('fabric-qemu-');
  const stateDir = join(tmp.path, 'qemu');
  const tags = (job: string): FabricTags => ({ vault: disk.vault, plan: 'plan-shop', job, item: disk.item, scenario: 'TestFailover' });
  const httpProbe: ApplicationProbe = { kind: 'http', name: 'orders', port: 80, path: '/data.txt', expectStatus: 200, contains: AT_POINT_2 };
  const spec = (name: string, disks: MaterializedDisk[], job: string, probes: ApplicationProbe[]): MachineSpec => ({
    resourceGroup: RG, name, size: 'Standard_B1s', osType: 'Linux', disks, nics: [{ network: 'vnet-test', subnet: 'app' }], testNetwork: true, tags: tags(job), probes,
  });
  const materialize = (machineName: string, job: string, sequence: string) =>
    materializeTargetDisk({ replication: h.deps(), fabric }, { source: disk, point: { kind: 'sequence', sequence } as never, resourceGroup: RG, machineName, tags: tags(job) });

  beforeAll(async () => {
    guest = buildGuest();
    h = await startReplicationHarness();
    fabric = new QemuFabric({ blobs: h.blobs, stateDir, bootDeadlineMs: 240_000 });
    disk = await h.protect('vm-shop', POLICY);
    // The source machine's disk: the guest image, its data partition written between cuts.
    const image = readFileSync(guest.path);
    const src = new SourceDisk(tmp.path, disk, image.length);
    writeFileSync(src.path, image);
    const cut = async (text: string | Buffer, i: number) => {
      const data = Buffer.alloc(4096);
      (typeof text === 'string' ? Buffer.from(text) : text).copy(data);
      const img = readFileSync(src.path);
      data.copy(img, guest.dataOffset);
      writeFileSync(src.path, img);
      const log = src.cutLog({ cutTimeMs: T0 + i * 60_000, full: i === 0 });
      await uploadLog(h.blobs, disk, log.sequence, log.bytes);
      await mergeDisk(h.deps(), disk);
    };
    await cut(AT_POINT_1, 0); // point 1
    await cut(AT_POINT_2, 1); // point 2
    // Point 3: one changed block in the served data, as a disk that mangled it would ship it.
    const mangled = Buffer.from(AT_POINT_2);
    mangled[AT_POINT_2.indexOf('1002')] = '7'.charCodeAt(0);
    await cut(mangled, 2);
  }, 300_000);
  afterAll(async () => {
    await fabric?.cleanup({ plan: 'plan-shop' }).catch(() => undefined);
    killQemuUnder(tmp.path);
    await h?.stop();
    tmp.cleanup();
  });

  it('boots the guest recovered at point 2: the HTTP probe answers what the source had written there; a restarted host finds it; cleanup kills qemu and removes its files', async () => {
    const d = await materialize('vm-shop-test', 'job-1', '2');
    const ref = { resourceGroup: RG, name: 'vm-shop-test' };
    await fabric.createMachine(spec('vm-shop-test', [d], 'job-1', [
      httpProbe,
      { kind: 'tcp', name: 'http-port', port: 80 },
      { kind: 'console', name: 'data-read', pattern: `ready data=${AT_POINT_2.length} bytes` },
    ]));
    const t0 = Date.now();
    const started = await fabric.startMachine(ref);
    const check = await fabric.checkMachine(ref);
    const bootMs = Date.now() - t0;
    process.stdout.write(`qemu fabric: start + boot + probes ${bootMs} ms\n`);
    expect(check.checks.filter((c) => !c.ok)).toEqual([]);
    expect(check).toMatchObject({ healthy: true, powerState: 'Running' });
    expect(check.checks.map((c) => c.name)).toEqual(['qemu', 'disk vm-shop-test-disk0', 'serialConsole', 'probe orders', 'probe http-port', 'probe data-read']);
    expect(started).toMatchObject({ powerState: 'Running', nics: [{ privateIp: '127.0.0.1' }], forwardedPorts: { 80: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
    // What a user of the recovered machine sees: the text at point 2, not at point 3.
    const body = await (await fetch(`http://${started.forwardedPorts!['80']}/data.txt`)).text();
    expect(body).toBe(AT_POINT_2);

    // The recovery point stays unwritten: the guest's disk is an overlay on a read-only copy.
    const dir = join(stateDir, RG, 'vm-shop-test');
    expect(statSync(join(dir, 'base-0.raw')).mode & 0o222).toBe(0);
    expect(existsSync(join(dir, 'overlay-0.qcow2'))).toBe(true);
    await verifyDiskBlob(h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(`${RG}/vm-shop-test/${disk.disk}.vhd`), { dataBytes: d.dataBytes, digest: d.expectedDigest, label: 'after boot' });

    // A host restarted while qemu runs finds the machine running, at the same ports.
    const restarted = new QemuFabric({ blobs: h.blobs, stateDir });
    expect(await restarted.getMachine(ref)).toMatchObject({ powerState: 'Running', forwardedPorts: started.forwardedPorts });
    expect(await restarted.startMachine(ref)).toMatchObject({ forwardedPorts: started.forwardedPorts });

    const pid = Number(readFileSync(join(dir, 'qemu.pid'), 'utf8'));
    const result = await restarted.cleanup({ job: 'job-1' });
    expect(result.deleted.map((r) => `${r.kind}:${r.name}`).sort()).toEqual(['disk:vm-shop-test-disk0', 'machine:vm-shop-test']);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(await fabric.getMachine(ref)).toBeUndefined();
  }, 300_000);

  it('a replica with one changed block in the served data boots but FAILS the probe, naming machine and probe; a host finding qemu gone records the machine stopped', async () => {
    const d = await materialize('vm-shop-bad', 'job-2', '3');
    const ref = { resourceGroup: RG, name: 'vm-shop-bad' };
    await fabric.createMachine(spec('vm-shop-bad', [d], 'job-2', [httpProbe]));
    await fabric.startMachine(ref);
    // A 5 s probe deadline: the served text will not change by waiting.
    const check = await new QemuFabric({ blobs: h.blobs, stateDir, bootDeadlineMs: 240_000, probeDeadlineMs: 5_000 }).checkMachine(ref);
    expect(check.healthy).toBe(false);
    const failed = check.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['probe orders']);
    expect(failed[0].detail).toContain('machine vm-shop-bad, probe orders');
    expect(failed[0].detail).toContain(`containing ${JSON.stringify(AT_POINT_2)}`);
    expect(failed[0].detail).toContain('order 7002: shipped'); // what came back
    expect(failed[0].detail).toContain('asr-guest: ready'); // the console tail

    // qemu dies behind the host's back: the machine is reported stopped, not running.
    const pid = Number(readFileSync(join(stateDir, RG, 'vm-shop-bad', 'qemu.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    expect(await new QemuFabric({ blobs: h.blobs, stateDir }).getMachine(ref)).toMatchObject({ powerState: 'Stopped' });
    expect(await fabric.deleteMachine(ref)).toBe(true);
    expect(existsSync(join(stateDir, RG, 'vm-shop-bad'))).toBe(false);
  }, 300_000);
  it('a disk changed after it was materialised: start refuses with DiskDigestMismatch (the copy downloaded while checking is thrown away), records the machine Failed and runs no qemu', async () => {
    const d = await materialize('vm-shop-tampered', 'job-3', '2');
    const ref = { resourceGroup: RG, name: 'vm-shop-tampered' };
    await fabric.createMachine(spec('vm-shop-tampered', [d], 'job-3', [httpProbe]));
    const blob = h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(fabricDiskBlob(RG, 'vm-shop-tampered', d.source));
    await blob.uploadPages(Buffer.alloc(512, 0x77), guest.dataOffset, 512);
    await expect(fabric.startMachine(ref)).rejects.toMatchObject({ code: 'DiskDigestMismatch' });
    expect(await fabric.getMachine(ref)).toMatchObject({ powerState: 'Failed' });
    const dir = join(stateDir, RG, 'vm-shop-tampered');
    expect(existsSync(dir)).toBe(false);
    expect(qemuUsing(dir)).toEqual([]);
    await fabric.deleteMachine(ref);
  }, 120_000);
});

/** qemu processes whose command line names `dir`. */
function qemuUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.startsWith('qemu-system') && cmd.includes(dir)) found.push(pid);
    } catch { /* gone */ }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`qemu ${pid} still runs`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
