import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startFunclocal, type RunningFunclocal } from '../../support/funclocal';
import { createSite, jobOf, ReplicatedDisk, RG, startRecoveryHost, SUB, V, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';

const MIB = 1024 * 1024;
// The source's cut, a minute before the suite starts: a drill of the point 24 h back must find nothing (a fixed date here made that test pass a day later).
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const PLAN = `${V}/replicationRecoveryPlans/shop`;
const SCHEDULES = `${PLAN}/drillSchedules`;
const APP = join(__dirname, 'fixture-app');
const ASR = resolve(__dirname, '../../../dist/cli/asr.js');

/** Runs the built `asr` as an operator would, in its own process. */
function asr(h: RecoveryHost, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((done) => {
    execFile(process.execPath, [ASR, ...args], {
      env: { ...process.env, ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer'), ASR_TOKEN: '' },
    }, (error, stdout, stderr) => done({ out: stdout, err: stderr, code: error ? Number(error.code ?? 1) : 0 }));
  });
}

/** Polls the schedule's runs until `done(runs)` holds. */
async function waitForRuns(h: RecoveryHost, schedule: string, done: (runs: any[]) => boolean, timeoutMs = 120_000): Promise<any[]> {
  const until = Date.now() + timeoutMs;
  let runs: any[] = [];
  while (Date.now() < until) {
    const r = await h.call('GET', `${SCHEDULES}/${schedule}/drillRuns`, undefined, 'Reader');
    if (r.status === 200) {
      runs = r.body.value;
      if (done(runs)) return runs;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`the drill runs did not get there in ${timeoutMs} ms: ${JSON.stringify(runs.map((x) => x.properties), null, 1)}\n--- host log tail ---\n${h.host.logs().slice(-4000)}`);
}

const schedule = (over: Record<string, unknown> = {}) => ({
  properties: {
    schedule: '*/20 * * * * *', timeZone: 'Europe/Berlin', recoveryPoint: { type: 'Latest' }, verification: 'ApplicationProbes',
    keepUpSeconds: 3, testNetworkId: 'drill-isolated', manualActions: [{ actionName: 'check-app', mode: 'AutoApprove' }], ...over,
  },
});

/**
 * Drills on the local host with nobody touching them: funclocal runs the compiled app (the
 * scheduler timer, the drill orchestrator, the recovery job), Durable history in Azurite, Cosmos
 * DB, the local fabric; a second funclocal on the same storage and Cosmos DB runs beside it.
 */
describe('scheduled drills on funclocal (two hosts, Azurite, Cosmos DB, local fabric)', () => {
  let h: RecoveryHost;
  let second: RunningFunclocal | undefined;

  beforeAll(async () => {
    h = await startRecoveryHost({ DRILL_POLL_SECONDS: '1' }, { app: APP });
    const ids = await createSite(h, [{ name: 'web', disks: ['os'], ip: '10.1.0.4' }, { name: 'db', disks: ['os'] }]);
    for (const item of ['web', 'db']) {
      const disk = new ReplicatedDisk(h, item, 'os', 4 * MIB);
      await disk.change(T0, ['write -P 0x11 0 1M'], { full: true });
    }
    const manual = {
      actionName: 'check-app', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'],
      customDetails: { instanceType: 'ManualActionDetails', description: 'Log in to web-dr and check the order page' },
    };
    const plan = await h.call('PUT', PLAN, {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', failoverDeploymentModel: 'ResourceManager',
        groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.db }] }, { groupType: 'Boot', replicationProtectedItems: [{ id: ids.web }], endGroupActions: [manual] }],
      },
    });
    expect(plan.status).toBeLessThan(300);
    second = await startFunclocal({ app: APP, storage: h.azurite.connectionString, cosmos: h.cosmos.endpoint, env: h.env });
  }, 240_000);

  afterAll(async () => {
    await second?.stop();
    await h?.stop();
  });

  it('refuses a schedule that is not NCRONTAB with seconds, or a time zone that is not IANA, with 400 and a message', async () => {
    const five = await h.call('PUT', `${SCHEDULES}/bad`, schedule({ schedule: '0 2 * * *' }));
    expect(five.status).toBe(400);
    expect(five.body.error.code).toBe('InvalidRequestBody');
    expect(five.body.error.message).toMatch(/properties\.schedule: '0 2 \* \* \*' has 5 field\(s\); NCRONTAB here needs 6/);
    const range = await h.call('PUT', `${SCHEDULES}/bad`, schedule({ schedule: '0 0 25 * * *' }));
    expect(range.status).toBe(400);
    expect(range.body.error.message).toContain('range 0-23');
    const zone = await h.call('PUT', `${SCHEDULES}/bad`, schedule({ timeZone: 'Mars/Olympus_Mons' }));
    expect(zone.status).toBe(400);
    expect(zone.body.error.message).toContain('properties.timeZone: not an IANA time zone');
    const noPlan = await h.call('PUT', `${V}/replicationRecoveryPlans/nope/drillSchedules/s`, schedule());
    expect(noPlan.status).toBe(404);
  });

  it('a drill due every 20 s runs by itself once per due time across two hosts: test failover, auto-approved manual action, verification, keep-up, cleanup, Passed with its event', async () => {
    const put = await h.call('PUT', `${SCHEDULES}/every20s`, schedule());
    expect(put.status).toBe(201);
    expect(put.body.properties).toMatchObject({ schedule: '*/20 * * * * *', timeZone: 'Europe/Berlin', enabled: true, keepUpSeconds: 3, missedRunGraceSeconds: 900 });
    expect(Date.parse(put.body.properties.nextRunTime)).toBeGreaterThan(Date.now() - 1000);
    expect((await h.call('GET', `${V}/replicationDrillSchedules`, undefined, 'Reader')).body.value.map((s: any) => s.name)).toEqual(['every20s']);

    const runs = await waitForRuns(h, 'every20s', (rs) => rs.some((r) => r.properties.phase === 'Done' && r.properties.result === 'Passed'), 150_000);
    // Stop it before looking closer: no new run starts while the assertions run.
    expect((await h.call('PATCH', `${SCHEDULES}/every20s`, { properties: { enabled: false } })).status).toBe(200);
    const passed = runs.find((r) => r.properties.phase === 'Done' && r.properties.result === 'Passed')!;
    const p = passed.properties;
    expect(p).toMatchObject({ trigger: 'Timer', planName: 'shop', scheduleName: 'every20s', phase: 'Done', cleanupState: 'Succeeded', verification: 'ApplicationProbes', verifiedLevel: 'Disks' });
    expect(passed.name).toBe(`t-${p.dueTime.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`);
    expect(new Date(p.dueTime).getUTCSeconds() % 20).toBe(0);
    expect(p.reason).toContain('the target fabric does not boot machines');
    expect(Date.parse(p.startTime)).toBeGreaterThanOrEqual(Date.parse(p.dueTime));
    expect(Date.parse(p.endTime) - Date.parse(p.startTime)).toBeGreaterThanOrEqual(3000);
    expect(p.machines.map((m: any) => m.item).sort()).toEqual(['db', 'web']);
    for (const m of p.machines) {
      expect(m.state).toBe('Succeeded');
      expect(m.machineName).toBe(`${m.item}-dr-test`);
      expect(m.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: `disk ${m.item}-dr-test-os`, ok: true, detail: 'fixed VHD footer valid' })]));
      expect(m.recoveryPointTime).toBe(new Date(T0).toISOString());
    }
    expect(p.failures).toEqual([]);

    // The test failover: in the isolated network, its manual action approved by the drill.
    const tfo = await waitForJob(h, p.testFailoverJobId, () => true);
    expect(tfo.properties.scenarioName).toBe('TestFailover');
    const tasks = tfo.properties.tasks.flatMap((t: any) => [t, ...(t.groupTaskCustomDetails?.childTasks ?? [])]);
    const manual = tasks.find((t: any) => t.customDetails?.name === 'check-app');
    expect(manual.state).toBe('Succeeded');
    expect(manual.stateDescription + JSON.stringify(manual.customDetails)).toContain(`Auto-approved by drill schedule 'every20s' (run ${passed.name})`);
    const cleanup = await waitForJob(h, p.cleanupJobId, () => true);
    expect(cleanup.properties).toMatchObject({ scenarioName: 'TestFailoverCleanup', state: 'Succeeded' });

    // Once per due time, though two hosts ran: every test failover job belongs to exactly one run.
    const all = await waitForRuns(h, 'every20s', (rs) => rs.every((r) => r.properties.phase === 'Done'), 90_000);
    // Once every run is done the plan is free again. (Not right after the passed run's cleanup: on a
    // slow machine the next due time's drill may already hold the plan in its own test failover.)
    expect((await h.call('GET', PLAN, undefined, 'Reader')).body.properties.allowedOperations).toContain('TestFailover');
    expect(new Set(all.map((r) => r.properties.dueTime)).size).toBe(all.length);
    const jobs = (await h.call('GET', `${V}/replicationJobs`, undefined, 'Reader')).body.value.filter((j: any) => j.properties.scenarioName === 'TestFailover');
    expect(jobs.map((j: any) => j.name).sort()).toEqual(all.filter((r) => r.properties.testFailoverJobId).map((r) => r.properties.testFailoverJobId).sort());
    // Due times that came while a drill ran found the plan busy: Skipped, with why.
    for (const r of all.filter((x) => x.properties.result === 'Skipped')) expect(r.properties.reason).toMatch(/the plan is busy: .*TestFailover/);

    // The result is an event (what the vault's alert webhooks receive).
    const until = Date.now() + 30_000;
    let events: any[] = [];
    while (Date.now() < until) {
      events = (await h.call('GET', `${V}/replicationEvents?$filter=${encodeURIComponent("eventCode eq 'DrillPassed'")}`, undefined, 'Reader')).body.value ?? [];
      if (events.length) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(events[0].properties).toMatchObject({ eventCode: 'DrillPassed', severity: 'Info', eventType: 'DrillStatus', affectedObjectFriendlyName: 'shop' });
    expect(events.map((e: any) => e.properties.eventSpecificDetails.drillRunId)).toContain(passed.id);
  }, 300_000);

  it('asr drill schedule|list|show|run|history|delete: flags checked, the API\'s 400 shown, a manual run followed to its result', async () => {
    const bad = await asr(h, 'drill', 'schedule', 'vault1', 'shop', 'cli', '--cron', '0 2 * * *', '--network', 'drill-isolated');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^asr: properties\.schedule: '0 2 \* \* \*' has 5 field\(s\); NCRONTAB here needs 6.* \[InvalidRequestBody\]\n$/);
    const badFlag = await asr(h, 'drill', 'schedule', 'vault1', 'shop', 'cli', '--cron', '0 0 2 * * *', '--network', 'drill-isolated', '--keep-up', 'soon');
    expect(badFlag.err).toContain("--keep-up 'soon' is not a duration");
    const ok = await asr(h, 'drill', 'schedule', 'vault1', 'shop', 'cli', '--cron', '0 30 2 * * Sat', '--time-zone', 'America/New_York', '--point', '24h', '--verify', 'boot',
      '--keep-up', '2s', '--network', 'drill-isolated', '--auto-approve', 'check-app', '--grace', '5m', '--disable');
    expect(ok.err).toBe('');
    expect(ok.out).toContain("cli: '0 30 2 * * Sat' (America/New_York), disabled");
    expect(ok.out).toContain('point HoursAgo 24 h, verify Boot, keep up 2 s, network drill-isolated');
    expect(ok.out).toContain('manual actions: check-app AutoApprove');
    const list = await asr(h, 'drill', 'list', 'vault1', 'shop');
    expect(list.out).toMatch(/^PLAN\s+SCHEDULE\s+CRON/);
    expect(list.out).toMatch(/shop\s+cli\s+0 30 2 \* \* Sat\s+America\/New_York\s+disabled/);
    // A drill now: the point is 24 h back, before anything was replicated here, so the test failover fails and the drill says why.
    const run = await asr(h, 'drill', 'run', 'vault1', 'shop', 'cli', '--wait', '--json');
    const r = JSON.parse(run.out);
    expect(r.properties).toMatchObject({ trigger: 'Manual', phase: 'Done', result: 'Failed', recoveryPoint: { type: 'HoursAgo', hours: 24 } });
    expect(run.code).toBe(1);
    const shown = await asr(h, 'drill', 'show', 'vault1', 'shop', 'cli', '--run', r.name);
    expect(shown.out.split('\n')[0]).toBe(`${r.name}: Failed (Manual, due ${r.properties.dueTime}) - ${r.properties.reason}`);
    const history = await asr(h, 'drill', 'history', 'vault1', 'shop', 'cli');
    expect(history.out).toContain(`${r.name}  Manual`);
    expect((await asr(h, 'drill', 'delete', 'vault1', 'shop', 'cli')).out).toBe('drill schedule cli deleted\n');
    expect((await h.call('GET', `${SCHEDULES}/cli`, undefined, 'Reader')).status).toBe(404);
  }, 120_000);

  it('an alert rule whose action is Drill runs the plan\'s drill schedule, once for two deliveries of the same alert', async () => {
    expect((await h.call('PUT', `${SCHEDULES}/on-alert`, schedule({ enabled: false, keepUpSeconds: 1 }))).status).toBe(201);
    const rule = `${V}/replicationAlertRules/drill-on-alert`;
    const secret = 'drill-rule-secret-0123456789abcdefghij';
    const put = await h.call('PUT', rule, { properties: { secret, action: { kind: 'Drill', recoveryPlanId: PLAN, drillSchedule: 'on-alert' } } });
    expect(put.status).toBeLessThan(300);
    expect(put.body.properties.action.drillScheduleId).toMatch(/\/drillSchedules\/on-alert$/);
    expect((await h.call('POST', `${rule}/enable`, {})).status).toBe(200);
    const alert = {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: { essentials: { alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/drill-1`, alertRule: 'dr-readiness', severity: 'Sev3', monitorCondition: 'Fired', firedDateTime: '2026-12-05T09:00:00Z', alertTargetIDs: [] }, alertContext: {} },
    };
    const deliver = async () => {
      const res = await fetch(`${h.host.baseUrl}${rule}/trigger?secret=${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alert) });
      return (await res.json() as { results: Array<{ outcome: string; jobId?: string }> }).results[0];
    };
    const first = await deliver();
    expect(first.outcome).toBe('Started');
    expect(first.jobId).toContain('/drillSchedules/on-alert/drillRuns/');
    expect((await deliver()).outcome).toBe('Duplicate');
    const runs = await waitForRuns(h, 'on-alert', (rs) => rs.length === 1 && rs[0].properties.phase === 'Done', 120_000);
    expect(runs).toHaveLength(1);
    expect(runs[0].id).toBe(first.jobId);
    expect(runs[0].properties).toMatchObject({ trigger: 'Manual', result: 'Passed', cleanupState: 'Succeeded' });
  }, 180_000);

  it('a drill asked for while the plan is in another operation is Skipped, naming the operation and its job', async () => {
    expect((await h.call('PUT', `${SCHEDULES}/manual`, schedule({ enabled: false }))).status).toBe(201);
    const tfo = jobOf(await h.call('POST', `${PLAN}/testFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet' } }, 'Operator'));
    const run = await h.call('POST', `${SCHEDULES}/manual/run`, {}, 'Operator');
    expect(run.status).toBe(202);
    expect(run.body.properties).toMatchObject({ trigger: 'Manual', phase: 'Claimed' });
    expect(run.headers.get('location')).toContain(`/drillSchedules/manual/drillRuns/${run.body.name}`);
    const [done] = await waitForRuns(h, 'manual', (rs) => rs.length === 1 && rs[0].properties.phase === 'Done', 60_000);
    expect(done.properties.result).toBe('Skipped');
    expect(done.properties.reason).toContain('the plan is busy');
    expect(done.properties.reason).toContain(`TestFailover is InProgress, job ${tfo}`);
    expect(done.properties.testFailoverJobId).toBeUndefined();
    // The operator's own test failover went on untouched.
    const job = await waitForJob(h, tfo, (j) => j.properties.state === 'Suspended');
    expect(job.properties.scenarioName).toBe('TestFailover');
  }, 120_000);
});
