import { join } from 'node:path';
import { Command } from 'commander';
import { registerItemExportCommands } from '../../../cli/commands/itemExport';
import { registerJobCommands } from '../../../cli/commands/job';
import { registerPlanActionsCommands } from '../../../cli/commands/planActions';
import { qemuSame, writeImage } from '../replication/SourceDisk';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, V, type RecoveryHost } from './recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 6, 0);

/** Runs `asr …` (the recovery command groups) in this process and returns what it printed. */
async function asr(h: RecoveryHost, ...args: string[]): Promise<{ out: string; error?: Error }> {
  const saved = { ...process.env };
  Object.assign(process.env, { ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer') });
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  const program = new Command('asr').exitOverride();
  registerPlanActionsCommands(program);
  registerJobCommands(program);
  registerItemExportCommands(program);
  try {
    await program.parseAsync(['node', 'asr', ...args]);
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  } finally {
    spy.mockRestore();
    process.env = saved;
  }
}

describe('asr plan|job|item export-disk against the local host', () => {
  let h: RecoveryHost;
  let disk: ReplicatedDisk;
  let job = '';

  beforeAll(async () => {
    h = await startRecoveryHost();
    const ids = await createSite(h, [{ name: 'cli1', disks: ['os', 'data'] }]);
    disk = new ReplicatedDisk(h, 'cli1', 'os', 2 * MIB);
    await disk.change(T0, ['write -P 0x21 0 256k'], { full: true });
    await disk.change(T0 + 300_000, ['write -P 0x22 1M 64k']);
    await disk.change(T0 + 600_000, ['write -P 0x23 1536k 64k']);
    const data = new ReplicatedDisk(h, 'cli1', 'data', 1 * MIB);
    await data.change(T0, ['write -P 0x24 0 64k'], { full: true });
    const manual = { actionName: 'verify', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Verify the app' } };
    const plan = await h.call('PUT', `${V}/replicationRecoveryPlans/cli-plan`, {
      properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.cli1 }], endGroupActions: [manual] }] },
    });
    expect(plan.status).toBeLessThan(300);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('plan test-failover --wait shows the steps as they finish and stops at the manual action', async () => {
    const r = await asr(h, 'plan', 'test-failover', 'vault1', 'cli-plan', '--point', 'latest-processed', '--wait',
      '--network', '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test');
    expect(r.error).toBeUndefined();
    const lines = r.out.trim().split('\n');
    job = /^job (\S+) started$/.exec(lines[0])![1];
    // The end of each step, in order (its start lines are checked in cliComplete.test.ts).
    expect(lines.slice(1).filter((l) => !l.startsWith('start '))).toEqual([
      expect.stringMatching(/^done {4}Prerequisites check for test failover \(\d+\.\d s\)$/),
      expect.stringMatching(/^done {4}Start cli1 \(\d+\.\d s\)$/),
      expect.stringMatching(/^done {4}Group 1: Start virtual machines/),
      expect.stringMatching(/^waiting Group 1: post-action verify - Waiting for the manual action: Verify the app$/),
      `job ${job}: Suspended (Waiting for the manual action 'verify'; resume the job when it is done)`,
    ]);
    const list = await asr(h, 'job', 'list', 'vault1');
    expect(list.out).toMatch(new RegExp(`${job}\\s+TestFailover\\s+cli-plan\\s+Suspended`));
  }, 90_000);

  it('job resume --wait continues to the wait for cleanup; export-disk downloads the test disk and a point', async () => {
    const r = await asr(h, 'job', 'resume', 'vault1', job, '--comment', 'verified', '--wait');
    expect(r.error).toBeUndefined();
    expect(r.out.trim().split('\n').slice(-1)[0]).toBe(`job ${job}: Suspended (WaitingForStopTestFailover)`);
    const show = await asr(h, 'job', 'show', 'vault1', job);
    expect(show.out).toContain('[Succeeded] Group 1: post-action verify');

    const out = join(h.dir, 'exported.vhd');
    const e = await asr(h, 'item', 'export-disk', 'vault1', 'cli1', '--disk', '0', '--from', 'test-failover', '--out', out);
    expect(e.error).toBeUndefined();
    expect(qemuSame(writeImage(join(h.dir, 'latest.raw'), disk.logs[2].image), out).same).toBe(true);

    const points = await h.replication.recorder.list(disk.ref);
    const first = points[0];
    const pointOut = join(h.dir, 'point.vhd');
    const p = await asr(h, 'item', 'export-disk', 'vault1', 'cli1', '--disk', 'os', '--from', `point:${first.id}`, '--out', pointOut);
    expect(p.error).toBeUndefined();
    const log = disk.logs.find((l) => l.sequence === first.sequence)!;
    expect(qemuSame(writeImage(join(h.dir, 'point.raw'), log.image), pointOut).same).toBe(true);

    const bad = await asr(h, 'item', 'export-disk', 'vault1', 'cli1', '--disk', '7', '--from', 'test-failover', '--out', out);
    expect(bad.error?.message).toContain('cli1 has disks 0=os, 1=data');
  }, 90_000);

  it('plan cleanup --wait ends the test; plan failover needs --planned or --unplanned', async () => {
    const r = await asr(h, 'plan', 'cleanup', 'vault1', 'cli-plan', '--wait');
    expect(r.error).toBeUndefined();
    expect(r.out.trim().split('\n').slice(-1)[0]).toMatch(/^job \S+: Succeeded$/);
    const both = await asr(h, 'plan', 'failover', 'vault1', 'cli-plan');
    expect(both.error).toMatchObject({ code: 'InvalidArgument' });
    const gone = await asr(h, 'item', 'export-disk', 'vault1', 'cli1', '--disk', '0', '--from', 'test-failover', '--out', join(h.dir, 'x.vhd'));
    expect(gone.error).toMatchObject({ code: 'NotFound' });
  }, 90_000);
});
