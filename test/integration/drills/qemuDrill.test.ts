import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuest, killQemuUnder, type GuestImage } from '../../support/guest';
import { createSite, ReplicatedDisk, startRecoveryHost, V, type RecoveryHost } from '../recovery/recoveryHarness';

const T0 = Date.UTC(2026, 11, 5, 3, 0);
const WRITTEN = 'order 1001: paid\norder 1002: shipped\n';
const PLAN = `${V}/replicationRecoveryPlans/shop`;
const SCHEDULE = `${PLAN}/drillSchedules/nightly`;
const APP = join(__dirname, 'fixture-app');

/** Runs the drill now and waits for its record to be Done. */
async function drill(h: RecoveryHost): Promise<any> {
  const started = await h.call('POST', `${SCHEDULE}/run`, {}, 'Operator');
  if (started.status !== 202) throw new Error(`run: ${started.status} ${JSON.stringify(started.body)}`);
  const until = Date.now() + 400_000;
  for (;;) {
    const r = await h.call('GET', `${SCHEDULE}/drillRuns/${started.body.name}`, undefined, 'Reader');
    if (r.status === 200 && r.body.properties.phase === 'Done') return r.body;
    if (Date.now() > until) throw new Error(`drill did not end: ${JSON.stringify(r.body)}\n${h.host.logs().slice(-4000)}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

// Real boots (qemu TCG, the test guest of docs/guest.md) through the drill orchestrator on funclocal.
describe('drills on the qemu fabric: the recovered guest boots and its probe decides (funclocal, Azurite, Cosmos DB, qemu)', () => {
  let h: RecoveryHost;
  let guest: GuestImage;
  let disk: ReplicatedDisk;

  beforeAll(async () => {
    guest = buildGuest();
    h = await startRecoveryHost({ ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_BOOT_DEADLINE_SECONDS: '240', ASR_QEMU_PROBE_DEADLINE_SECONDS: '5', DRILL_POLL_SECONDS: '1' }, { app: APP });
    const ids = await createSite(h, [{ name: 'shop', disks: ['disk0'] }]);
    const probes = [{ kind: 'http', name: 'orders', port: 80, path: '/data.txt', contains: WRITTEN }];
    expect((await h.call('PATCH', ids.shop, { properties: { applicationProbes: probes } })).status).toBe(200);
    const image = readFileSync(guest.path);
    Buffer.from(WRITTEN).copy(image, guest.dataOffset);
    disk = new ReplicatedDisk(h, 'shop', 'disk0', image.length);
    writeFileSync(disk.src.path, image);
    await disk.change(T0, [], { full: true });
    expect((await h.call('PUT', PLAN, {
      properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.shop }] }] },
    })).status).toBeLessThan(300);
    expect((await h.call('PUT', SCHEDULE, {
      properties: { schedule: '0 0 2 * * *', timeZone: 'Europe/Berlin', enabled: false, verification: 'ApplicationProbes', keepUpSeconds: 0, testNetworkId: 'drill-isolated' },
    })).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    if (h) killQemuUnder(h.dir);
    await h?.stop();
  });

  it('a sound replica: the guest boots, serves what the source wrote, the drill passes with its probe result and cleans up', async () => {
    const t = Date.now();
    const run = await drill(h);
    process.stdout.write(`qemu drill (one boot, probe, cleanup) ${Date.now() - t} ms\n`);
    const p = run.properties;
    expect(p).toMatchObject({ result: 'Passed', verifiedLevel: 'ApplicationProbes', cleanupState: 'Succeeded', failures: [] });
    expect(p.machines).toHaveLength(1);
    expect(p.machines[0]).toMatchObject({ item: 'shop', machineName: 'shop-dr-test', state: 'Succeeded' });
    expect(p.machines[0].checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'serialConsole', ok: true })]));
    expect(p.machines[0].probes).toEqual([expect.objectContaining({ name: 'orders', ok: true })]);
  }, 450_000);

  it('a replica holding one changed block of the served data: disks verify, the probe fails, and the record names the machine and the probe', async () => {
    const image = disk.src.image();
    image[guest.dataOffset + WRITTEN.indexOf('1002')] = '7'.charCodeAt(0);
    writeFileSync(disk.src.path, image);
    await disk.change(T0 + 5 * 60_000, []);
    const run = await drill(h);
    const p = run.properties;
    expect(p.result).toBe('Failed');
    expect(p.failures).toEqual([expect.objectContaining({ machine: 'shop-dr-test', check: 'probe orders' })]);
    expect(p.failures[0].detail).toContain('order 7002: shipped');
    expect(p.reason).toContain('machine shop-dr-test, probe orders');
    expect(p.machines[0].probes).toEqual([expect.objectContaining({ name: 'orders', ok: false })]);
    // The failed test failover's machine was cleaned up all the same.
    expect(p.cleanupState).toBe('Succeeded');
    const [event] = (await h.call('GET', `${V}/replicationEvents?$filter=${encodeURIComponent("eventCode eq 'DrillFailed'")}`, undefined, 'Reader')).body.value;
    expect(event.properties).toMatchObject({ severity: 'Critical', affectedObjectFriendlyName: 'shop' });
    expect(event.properties.description).toContain('machine shop-dr-test, probe orders');
  }, 450_000);
});
