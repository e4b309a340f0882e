import { drillVerdictOf } from '../../../shared/drills/drillVerdict';
import { durationSeconds, drillPointOf, scheduleBodyOf } from '../../../cli/commands/drill';
import type { AsrJobProperties, AsrTask } from '../../../shared/recovery/plan/AsrJob';

const vm = (name: string, state: string, checks: { name: string; ok: boolean; detail: string }[]): AsrTask => ({
  taskId: `t-${name}`, name, friendlyName: name, state: state as AsrTask['state'], stateDescription: state, taskType: 'VmTask', allowedActions: [], errors: [],
  customDetails: { machineName: `${name}-dr-test`, checks, disks: [{ pointTime: '2026-12-05T01:00:00.000Z' }, { pointTime: '2026-12-05T01:05:00.000Z' }] },
});
const job = (state: string, children: AsrTask[], errors: AsrJobProperties['errors'] = []): AsrJobProperties => ({
  state, stateDescription: state === 'Suspended' ? 'WaitingForStopTestFailover' : state, errors,
  tasks: [{ taskId: 'g1', name: 'g1', friendlyName: 'Group 1', state: 'Succeeded', stateDescription: '', taskType: 'GroupTask', allowedActions: [], errors: [],
    groupTaskCustomDetails: { instanceType: 'RecoveryPlanGroupTaskDetails', groupId: '1', rpGroupType: 'Boot', childTasks: children } }],
} as unknown as AsrJobProperties);
const disk = { name: 'disk web-dr-test-os', ok: true, detail: 'fixed VHD footer valid' };
const boot = { name: 'serialConsole', ok: true, detail: 'asr-guest: ready' };

describe('a drill\'s verdict from its test failover job', () => {
  it('passes when the job waits for cleanup; says what was verified (disks only on a fabric that does not boot)', () => {
    const v = drillVerdictOf(job('Suspended', [vm('web', 'Succeeded', [disk])]), true, 'ApplicationProbes');
    expect(v).toMatchObject({ result: 'Passed', verifiedLevel: 'Disks', failures: [] });
    expect(v.reason).toContain('asked for ApplicationProbes, verified Disks (the target fabric does not boot machines)');
    expect(v.machines[0]).toMatchObject({ item: 'web', machineName: 'web-dr-test', recoveryPointTime: '2026-12-05T01:05:00.000Z', probes: [] });
  });

  it('counts probes only where the machines booted and an item has them; never more than asked', () => {
    const probe = { name: 'probe orders', ok: true, detail: 'GET :80/data.txt answers 200: 200' };
    expect(drillVerdictOf(job('Suspended', [vm('web', 'Succeeded', [disk, boot, probe])]), true, 'ApplicationProbes')).toMatchObject({ verifiedLevel: 'ApplicationProbes', reason: '1 machine(s) recovered and verified' });
    expect(drillVerdictOf(job('Suspended', [vm('web', 'Succeeded', [disk, boot])]), true, 'ApplicationProbes').reason).toContain('no item of the plan defines application probes');
    expect(drillVerdictOf(job('Suspended', [vm('web', 'Succeeded', [disk, boot, probe])]), true, 'Boot').verifiedLevel).toBe('Boot');
  });

  it('fails naming each machine and failed check, or the job\'s error when no check failed', () => {
    const bad = { name: 'probe orders', ok: false, detail: 'machine web-dr-test, probe orders: expected …, got order 7002' };
    const v = drillVerdictOf(job('Failed', [vm('web', 'Failed', [disk, boot, bad]), vm('db', 'Succeeded', [boot])]), false, 'ApplicationProbes');
    expect(v.result).toBe('Failed');
    expect(v.failures).toEqual([{ machine: 'web-dr-test', check: 'probe orders', detail: bad.detail }]);
    expect(v.machines.find((m) => m.item === 'web')!.probes).toEqual([{ name: 'orders', ok: false, detail: bad.detail }]);
    expect(v.reason).toBe(`machine web-dr-test, probe orders: ${bad.detail}`);
    const noChecks = drillVerdictOf(job('Failed', [], [{ serviceErrorDetails: { code: 'NoRecoveryPoint', message: 'no log boundary' } }] as never), false, 'Disks');
    expect(noChecks.reason).toBe('test failover failed: NoRecoveryPoint: no log boundary');
  });
});

describe('asr drill flags', () => {
  it('durations, points and levels are checked here, naming the flag', () => {
    expect(['900', '900s', '15m', '2h', '1d'].map((d) => durationSeconds('--keep-up', d))).toEqual([900, 900, 900, 7200, 86400]);
    expect(() => durationSeconds('--grace', '5 min')).toThrow("--grace '5 min' is not a duration");
    expect(drillPointOf('24h')).toEqual({ type: 'HoursAgo', hours: 24 });
    expect(drillPointOf('latest-app-consistent')).toEqual({ type: 'LatestApplicationConsistent' });
    expect(() => drillPointOf('yesterday')).toThrow("--point 'yesterday'");
    const base = { cron: '0 0 2 * * Sat', network: 'drill-vnet', autoApprove: ['check'], waitAction: [], notify: [] };
    expect(() => scheduleBodyOf({ ...base, verify: 'all' })).toThrow("--verify 'all': give disks, boot or probes");
    expect(() => scheduleBodyOf({ ...base, waitAction: ['CHECK'] })).toThrow("both name 'check'");
    expect(scheduleBodyOf({ ...base, verify: 'probes', keepUp: '10m', disable: true }).properties).toEqual({
      schedule: '0 0 2 * * Sat', testNetworkId: 'drill-vnet', enabled: false, verification: 'ApplicationProbes', keepUpSeconds: 600,
      manualActions: [{ actionName: 'check', mode: 'AutoApprove' }], notify: { targets: [] },
    });
  });
});
