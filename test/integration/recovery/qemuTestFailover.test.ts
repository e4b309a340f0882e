import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuest, killQemuUnder, type GuestImage } from '../../support/guest';
import { createSite, jobOf, ReplicatedDisk, startRecoveryHost, waitForJob, type RecoveryHost } from './recoveryHarness';

const T0 = Date.UTC(2026, 11, 5, 2, 0);
const WRITTEN = 'order 1001: paid\norder 1002: shipped\n';
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled', 'CompletedWithInformation'].includes(j.properties.state);

// One real boot (qemu TCG, the test guest of docs/guest.md) through the API, the orchestrator and the funclocal host.
describe('test failover on the qemu fabric: the item\'s application probes decide (funclocal, Azurite, Cosmos DB, qemu)', () => {
  let h: RecoveryHost;
  let guest: GuestImage;
  let ids: Record<string, string>;

  beforeAll(async () => {
    guest = buildGuest();
    h = await startRecoveryHost({ ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_BOOT_DEADLINE_SECONDS: '240', ASR_QEMU_PROBE_DEADLINE_SECONDS: '5' });
    ids = await createSite(h, [{ name: 'shop', disks: ['disk0'] }]);
  }, 120_000);
  afterAll(async () => {
    if (h) killQemuUnder(h.dir);
    await h?.stop();
  });

  it('probes are validated and stored on the item; a replica whose served data has one changed block fails the test failover naming machine and probe; cleanup kills qemu', async () => {
    const bad = await h.call('PATCH', ids.shop, { properties: { applicationProbes: [{ kind: 'http', name: 'orders', port: 80, host: 'example.com' }] } });
    expect(bad.status).toBe(400);
    const probes = [{ kind: 'http', name: 'orders', port: 80, path: '/data.txt', contains: WRITTEN }];
    expect((await h.call('PATCH', ids.shop, { properties: { applicationProbes: probes } })).status).toBe(200);
    expect((await h.call('GET', ids.shop, undefined, 'Reader')).body.properties.providerSpecificDetails.applicationProbes).toEqual([{ ...probes[0], expectStatus: 200 }]);

    // The source guest's disk, its data block mangled in one byte before it was shipped.
    const image = readFileSync(guest.path);
    const mangled = Buffer.from(WRITTEN);
    mangled[WRITTEN.indexOf('1002')] = '7'.charCodeAt(0);
    mangled.copy(image, guest.dataOffset);
    const disk = new ReplicatedDisk(h, 'shop', 'disk0', image.length);
    writeFileSync(disk.src.path, image);
    await disk.change(T0, [], { full: true });

    const started = Date.now();
    const job = jobOf(await h.call('POST', `${ids.shop}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const done = await waitForJob(h, job, (j) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? ''), 300_000);
    process.stdout.write(`qemu test failover (one boot) ${Date.now() - started} ms\n`);
    expect(done.properties.state).toBe('Failed');
    const text = JSON.stringify(done.properties);
    expect(text).toContain('MachineUnhealthy');
    expect(text).toContain('machine shop-dr-test, probe orders');
    expect(text).toContain('order 7002: shipped');

    const qemuDir = join(h.dir, 'qemu', 'asr-recovery', 'shop-dr-test');
    expect(existsSync(join(qemuDir, 'overlay-0.qcow2'))).toBe(true);
    const pid = Number(readFileSync(join(qemuDir, 'qemu.pid'), 'utf8'));
    const cleanup = jobOf(await h.call('POST', `${ids.shop}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    expect(existsSync(qemuDir)).toBe(false);
    expect(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(qemuDir)).toBe(false);
  }, 400_000);
});
