import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, type RecoveryHost } from './recoveryHarness';

const ASR = resolve(__dirname, '../../../dist/cli/asr.js');
const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 11, 5, 6, 0);
const TEST_VNET = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test';

/** Runs the built `asr` as an operator would, in its own process (stdout and stderr are not terminals). */
function asr(h: RecoveryHost, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((done) => {
    execFile(process.execPath, [ASR, ...args], {
      env: { ...process.env, ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer'), ASR_TOKEN: '' },
    }, (error, stdout, stderr) => done({ out: stdout, err: stderr, code: error ? Number(error.code ?? 1) : 0 }));
  });
}

describe('the complete CLI: set-target, point list, plan actions and tree, --wait steps, export progress, --json (built asr against the local host)', () => {
  let h: RecoveryHost;
  let job = '';

  beforeAll(async () => {
    h = await startRecoveryHost();
    await createSite(h, [{ name: 'web1', disks: ['os'] }]);
    const disk = new ReplicatedDisk(h, 'web1', 'os', 2 * MIB);
    await disk.change(T0, ['write -P 0x21 0 256k'], { full: true });
    await disk.change(T0 + 300_000, ['write -P 0x22 1M 64k'], { consistency: 'application' });
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('point list: the item\'s recovery points, newest first, with type and time', async () => {
    const r = await asr(h, 'point', 'list', 'vault1', 'web1');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toMatch(/^POINT\s+TYPE\s+TIME\s+DISKS$/);
    const times = rows.slice(1).map((l) => l.split(/\s+/)[2]);
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times[0]).toBe(new Date(T0 + 300_000).toISOString());
    expect([...times].sort().reverse()).toEqual(times);
    const json = JSON.parse((await asr(h, 'point', 'list', 'vault1', 'web1', '--json')).out);
    expect(json[0].properties).toMatchObject({ recoveryPointTime: new Date(T0 + 300_000).toISOString() });
  }, 60_000);

  it('item set-target: a bad value is refused here naming its flag; a good one changes the target', async () => {
    const bad = await asr(h, 'item', 'set-target', 'vault1', 'web1', '--ip', '10.0.0.256');
    expect(bad).toMatchObject({ code: 1, out: '' });
    expect(bad.err).toBe("asr: --ip '10.0.0.256' is not an IPv4 address (a static private IP in the target subnet, e.g. 10.0.1.7) [InvalidArgument]\n");
    const ok = await asr(h, 'item', 'set-target', 'vault1', 'web1', '--network', 'dr-vnet', '--subnet', 'app2', '--ip', '10.0.0.9', '--size', 'Standard_B2s', '--name', 'web1-dr2');
    expect(ok.err).toBe('');
    expect(ok.out.split('\n')[0]).toBe('web1: target web1-dr2 size Standard_B2s network dr-vnet');
    const shown = JSON.parse((await asr(h, 'item', 'show', 'vault1', 'web1', '--json')).out);
    expect(shown.properties.providerSpecificDetails).toMatchObject({ recoveryAzureVmName: 'web1-dr2', recoveryAzureVMSize: 'Standard_B2s', selectedRecoverySubnetName: 'app2', recoveryIpAddress: '10.0.0.9' });
  }, 60_000);

  it('plan add-action / remove-action, and plan show as a tree', async () => {
    expect((await asr(h, 'plan', 'create', 'vault1', 'p1', '--group', 'web1')).code).toBe(0);
    const added = await asr(h, 'plan', 'add-action', 'vault1', 'p1', 'verify', '--group', '1', '--after', '--manual', 'Open the shop and buy one thing', '--failover-types', 'test');
    expect(added.err).toBe('');
    expect((await asr(h, 'plan', 'add-action', 'vault1', 'p1', 'fw', '--group', '1', '--before', '--runbook', '/runbooks/open-firewall', '--failover-types', 'planned,unplanned')).code).toBe(0);
    const dup = await asr(h, 'plan', 'add-action', 'vault1', 'p1', 'verify', '--group', '1', '--after', '--manual', 'again');
    expect(dup.err).toMatch(/^asr: plan p1 already has an action 'verify'/);
    const show = await asr(h, 'plan', 'show', 'vault1', 'p1');
    // Health: the test's cuts are hours old, so the RPO is past its threshold.
    expect(show.out.split('\n').slice(1, 7)).toEqual([
      '├─ Shutdown',
      '├─ Failover',
      '└─ Group 1',
      '   ├─ before: fw (runbook /runbooks/open-firewall on Recovery) [PlannedFailover, UnplannedFailover; PrimaryToRecovery]',
      expect.stringMatching(/^ {3}├─ machine web1 \(Protected, (Normal|Warning|Critical)\)$/),
      '   └─ after: verify (manual: Open the shop and buy one thing) [TestFailover; PrimaryToRecovery]',
    ]);
    const removed = await asr(h, 'plan', 'remove-action', 'vault1', 'p1', 'fw', '--json');
    const groups = JSON.parse(removed.out).properties.groups as { startGroupActions: unknown[]; endGroupActions: { actionName: string }[] }[];
    expect(groups[2].startGroupActions).toEqual([]);
    expect(groups[2].endGroupActions.map((a) => a.actionName)).toEqual(['verify']);
    expect((await asr(h, 'plan', 'remove-action', 'vault1', 'p1', 'fw')).err).toBe("asr: plan p1 has no action 'fw'; its actions: verify [InvalidArgument]\n");
  }, 60_000);

  it('test-failover --wait prints each step as it starts and ends, then the manual action it waits on', async () => {
    const r = await asr(h, 'plan', 'test-failover', 'vault1', 'p1', '--wait', '--network', TEST_VNET);
    expect(r.err).toBe('');
    const lines = r.out.trim().split('\n');
    job = /^job (\S+) started$/.exec(lines[0])![1];
    const at = (l: string) => lines.indexOf(l);
    expect(at('start   Prerequisites check for test failover')).toBeGreaterThan(0);
    expect(at('start   Start web1')).toBeGreaterThan(at('start   Prerequisites check for test failover'));
    expect(lines.findIndex((l) => /^done {4}Start web1 \(\d+\.\d s\)$/.test(l))).toBeGreaterThan(at('start   Start web1'));
    expect(lines.slice(-2)).toEqual([
      'waiting Group 1: post-action verify - Waiting for the manual action: Open the shop and buy one thing',
      `job ${job}: Suspended (Waiting for the manual action 'verify'; resume the job when it is done)`,
    ]);
  }, 120_000);

  it('job resume --wait --json prints the job once; export-disk shows its progress; cleanup --wait --json', async () => {
    const resumed = await asr(h, 'job', 'resume', 'vault1', job, '--comment', 'bought one', '--wait', '--json');
    expect(JSON.parse(resumed.out).properties).toMatchObject({ state: 'Suspended', stateDescription: 'WaitingForStopTestFailover' });
    const file = join(h.dir, 'web1-os.vhd');
    const exported = await asr(h, 'item', 'export-disk', 'vault1', 'web1', '--disk', 'os', '--from', 'test-failover', '--out', file);
    expect(exported.code).toBe(0);
    expect(exported.err).toMatch(/^downloading os: 100% \(2\.00 MiB of 2\.00 MiB\)$/m);
    const quiet = await asr(h, 'item', 'export-disk', 'vault1', 'web1', '--disk', 'os', '--from', 'test-failover', '--out', `${file}.2`, '--json');
    expect(quiet.err).toBe('');
    expect(JSON.parse(quiet.out)).toMatchObject({ diskId: 'os' });
    const cleaned = await asr(h, 'plan', 'cleanup', 'vault1', 'p1', '--wait', '--json');
    expect(JSON.parse(cleaned.out).properties.state).toBe('Succeeded');
  }, 120_000);
});
