import ExcelJS from 'exceljs';
import { ArmApi, reportRoutes } from '../../../shared/arm';
import { drillRunRoutes } from '../../../shared/arm/drills/drillRoutes';
import { ensureMetadataStore, type MetadataStore } from '../../../shared/metadata';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import { startTestCosmos, type TestCosmos } from '../../support/cosmos';
import { tempDir } from '../../support/tempDir';
import { HOSTILE, testFailoverJob } from '../../unit/reports/testFailoverJob';
import { startArmTestHarness, type ArmTestHarness } from './armTestHarness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerJobCommands } from '../../../cli/commands/job';
import { registerAuditCommands } from '../../../cli/commands/audit';
import { registerVaultCommands } from '../../../cli/commands/vault';
import { runAsrInProcess } from '../../support/runAsrInProcess';
import { registerDrillReportCommand } from '../../../cli/commands/drillReport';
import { DrillRunStore, type DrillRunProperties, type DrillScheduleDocument } from '../../../shared/drills';
import { storeDrillSchedule } from '../../support/storeDrillSchedule';
import { resourceDocumentId } from '../../../shared/metadata';
import { jobExporterFromEnv } from '../../../shared/reports';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { siteRecoveryClient } from './siteRecoveryClient';

/** A drill schedule of plan 'shop'. */
function storeSchedule(store: MetadataStore, name: string): Promise<DrillScheduleDocument> {
  return storeDrillSchedule(store, { vaultKey: VAULT_KEY, vaultId: V, plan: 'shop', name }, { schedule: '0 0 1 * * *', verification: 'ApplicationProbes', keepUpSeconds: 60, activeSince: '2026-11-01T00:00:00.000Z' });
}

/** A finished drill run of that schedule. */
function drillRun(schedule: DrillScheduleDocument, p: Partial<DrillRunProperties>): DrillRunProperties {
  return {
    planId: `${V}/replicationRecoveryPlans/shop`, planName: 'shop', scheduleId: schedule.armId, scheduleName: schedule.name, trigger: 'Timer',
    dueTime: '2026-11-22T01:10:00.000Z', phase: 'Done', recoveryPoint: { type: 'Latest' }, verification: 'ApplicationProbes', keepUpSeconds: 60,
    machines: [], failures: [], ...p,
  };
}

const SUB = '00000000-0000-0000-0000-0000000000bb';
const RG = 'local';
const VAULT = 'vault1';
const V = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}`;
const VAULT_KEY = `${SUB}/${RG}/${VAULT}`;

/** A response's JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

/** Job reports and the audit log over real HTTP (ArmApi on loopback, Cosmos DB emulator, development tokens). */
describe('reports API: job report as JSON, Excel and HTML; the audit log with $filter', () => {
  let cosmos: TestCosmos;
  let azurite: TestAzurite;
  let store: MetadataStore;
  let harness: ArmTestHarness;
  let contributor: string;
  let reader: string;
  let issuerToken: (role: 'Operator') => Promise<string>;
  const keys = tempDir('report-keys-');

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${harness.url}${path}${path.includes('?') ? '&' : '?'}api-version=2023-08-01`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    azurite = await startAzurite();
    store = await ensureMetadataStore({ endpoint: cosmos.endpoint, key: cosmos.key, databaseId: 'reports', jobTtlSeconds: 3600, auditTtlSeconds: 3600 });
    const issuer = await DevelopmentIssuer.open(keys.path);
    const verifier = TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience);
    harness = await startArmTestHarness(new ArmApi({ store, verifier, log: () => undefined, subscriptions: [SUB], extraRoutes: [...drillRunRoutes(), ...reportRoutes(async () => jobExporterFromEnv(store, { REPLICATION_STORAGE: azurite.connectionString }))] }));
    contributor = await issuer.mintToken({ role: 'Contributor', subject: 'carol' });
    reader = await issuer.mintToken({ role: 'Reader', subject: 'rita' });
    issuerToken = (role) => issuer.mintToken({ role, subject: 'olga' });
    expect((await call('PUT', V, contributor, { location: 'local' })).status).toBe(201);
    await store.createJob(testFailoverJob(VAULT_KEY, `${V}/replicationJobs/job1`));
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await cosmos?.stop();
    await azurite?.stop();
    keys.cleanup();
  });

  it('serves the report as JSON with the numbers', async () => {
    const res = await call('GET', `${V}/replicationJobs/job1/report?format=json`, reader);
    expect(res.status).toBe(200);
    const r = await json(res);
    expect(r).toMatchObject({ outcome: 'Passed', rto: { seconds: 39.5, measuredTo: 'lastProbePassed' }, point: { time: '2026-11-22T01:09:00.000Z' } });
    expect(r.machines.map((m: { rpoSeconds: number }) => m.rpoSeconds)).toEqual([60, 60]);
  });

  it('serves a workbook that exceljs opens, holding the numbers and the approval', async () => {
    const res = await call('GET', `${V}/replicationJobs/job1/report?format=xlsx`, reader);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    expect(book.worksheets.map((s) => s.name)).toEqual(['Summary', 'Machines', 'Steps', 'Approvals', 'Errors']);
    const summary = new Map<string, unknown>();
    book.getWorksheet('Summary')!.eachRow((row) => summary.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(summary.get('RTO (s)')).toBe(39.5);
    expect(summary.get('Result')).toBe('Passed');
    expect(book.getWorksheet('Approvals')!.getRow(2).getCell(5).value).toBe('alice (Alice)');
  });

  it('serves HTML with the hostile plan name and comment escaped, no script', async () => {
    const res = await call('GET', `${V}/replicationJobs/job1/report?format=html`, reader);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<script');
    expect(html).toContain('39.5');
  });

  it('refuses an unknown format (400) and answers 404 for a job that does not exist', async () => {
    const bad = await call('GET', `${V}/replicationJobs/job1/report?format=pdf`, reader);
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain('json, xlsx, html');
    expect((await call('GET', `${V}/replicationJobs/nope/report`, reader)).status).toBe(404);
  });

  it('serves a drill run\'s report (job + drill record) and asr drill report writes the newest that ran; a skipped run has none (409)', async () => {
    const nightly = await storeSchedule(store, 'nightly');
    const runs = new DrillRunStore(store);
    const checks = [{ name: 'disk os', ok: true, detail: 'footer and digest match' }, { name: 'probe http', ok: true, detail: 'GET :80/ answered 200' }];
    await runs.claim(nightly, 't-20261122T011000Z', drillRun(nightly, {
      startTime: '2026-11-22T01:10:00.000Z', endTime: '2026-11-22T01:14:00.000Z', testFailoverJobId: 'job1', cleanupJobId: 'job2', cleanupState: 'Succeeded',
      result: 'Passed', verifiedLevel: 'ApplicationProbes',
      machines: [{ item: 'web', machineName: 'web-dr-test', state: 'Succeeded', checks, probes: [checks[1]] }, { item: 'db', machineName: 'db-dr-test', state: 'Succeeded', checks, probes: [checks[1]] }],
    }), new Date().toISOString());
    await runs.claim(nightly, 't-20261123T011000Z', drillRun(nightly, { dueTime: '2026-11-23T01:10:00.000Z', result: 'Skipped', reason: 'the plan is busy: TestFailover is InProgress' }), new Date().toISOString());

    const runPath = `${V}/replicationRecoveryPlans/shop/drillSchedules/nightly/drillRuns`;
    const res = await call('GET', `${runPath}/t-20261122T011000Z/report?format=json`, reader);
    expect(res.status).toBe(200);
    const r = await json(res);
    expect(r).toMatchObject({ outcome: 'Passed', drill: { id: 't-20261122T011000Z', scheduleName: 'nightly', result: 'Passed', verifiedLevel: 'ApplicationProbes', cleanupState: 'Succeeded' } });
    expect(r.drill.checks).toHaveLength(4);
    const skipped = await call('GET', `${runPath}/t-20261123T011000Z/report?format=xlsx`, reader);
    expect(skipped.status).toBe(409);
    expect((await json(skipped)).error.message).toContain('Skipped (the plan is busy');
    expect((await call('GET', `${runPath}/t-20990101T000000Z/report`, reader)).status).toBe(404);

    const env = { ASR_ENDPOINT: harness.url, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_TOKEN: reader };
    const xlsx = join(keys.path, 'drill.xlsx');
    const run = await runAsrInProcess([registerDrillReportCommand], ['drill', 'report', VAULT, 'shop', '--format', 'xlsx', '--out', xlsx], env);
    expect(run.err).toBe('');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(xlsx) as never);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Summary', 'Machines', 'Steps', 'Approvals', 'Errors', 'Drill checks']);
    const summary = new Map<string, unknown>();
    book.getWorksheet('Summary')!.eachRow((row) => summary.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(summary.get('Target')).toContain('RecoveryPlan');
    expect(summary.get('Recovery point time')).toBe('2026-11-22T01:09:00.000Z');
    expect(summary.get('RTO (s)')).toBe(39.5);
    expect(summary.get('Result')).toBe('Passed');
    expect(summary.get('Drill')).toBe('t-20261122T011000Z');
    expect(summary.get('Drill result')).toBe('Passed');
    const machines = book.getWorksheet('Machines')!;
    const machineRows = [2, 3].map((i) => ({ item: machines.getRow(i).getCell(1).value, rpo: machines.getRow(i).getCell(5).value, probe: machines.getRow(i).getCell(8).value, passed: machines.getRow(i).getCell(9).value }));
    expect(machineRows).toEqual([{ item: 'web', rpo: 60, probe: 'http', passed: true }, { item: 'db', rpo: 60, probe: 'http', passed: true }]);
    const steps = book.getWorksheet('Steps')!;
    const durations = new Map<string, unknown>();
    steps.eachRow((row, i) => { if (i > 1) durations.set(String(row.getCell(1).value), row.getCell(8).value); });
    expect(durations.get('g2')).toBe(39);
    expect(durations.get('g2-m0')).toBe(29);
    expect(book.getWorksheet('Drill checks')!.getRow(3).values).toEqual([undefined, 'web-dr-test', 'probe http', true, 'GET :80/ answered 200']);

    const named = await runAsrInProcess([registerDrillReportCommand], ['drill', 'report', VAULT, 'shop', '--run', 't-20261123T011000Z', '--json'], env);
    expect(named.code).not.toBe(0);
    expect(named.err).toContain('no test failover ran');
    const none = await runAsrInProcess([registerDrillReportCommand], ['drill', 'report', VAULT, 'nosuchplan'], env);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain("has no drill schedule");
  });

  it('replicationComplianceSummary: per plan the last passed drill and drills passed/failed in 30 days; per item the share of time within its RPO threshold from stored RPO events', async () => {
    const at = new Date().toISOString();
    const DAY = 86_400_000;
    const now = Date.now();
    await store.createResource({ id: resourceDocumentId(['replicationRecoveryPlans', 'shop']), vaultKey: VAULT_KEY, kind: 'recoveryPlan', name: 'shop', armId: `${V}/replicationRecoveryPlans/shop`, refs: [], properties: {}, createdAt: at, updatedAt: at } as never);
    const item = (name: string, since: number) => ({
      id: resourceDocumentId(['replicationFabrics', 'hv', 'replicationProtectionContainers', 'c', 'replicationProtectedItems', name]), vaultKey: VAULT_KEY, kind: 'protectedItem', name,
      armId: `${V}/replicationFabrics/hv/replicationProtectionContainers/c/replicationProtectedItems/${name}`, refs: [], properties: { friendlyName: name }, createdAt: new Date(since).toISOString(), updatedAt: at,
    });
    const web = item('web', now - 60 * DAY);
    const db = item('db', now - 10 * DAY);
    for (const i of [web, db]) await store.createResource(i as never);
    let n = 0;
    const event = (itemId: string, code: string, time: number, level: string) => {
      const iso = new Date(time).toISOString();
      const name = `rpo-${++n}`;
      return store.putEvent({
        id: name, vaultKey: VAULT_KEY, name, armId: `${V}/replicationEvents/${name}`, sequence: 1, sortKey: `${iso}#0001`,
        properties: { eventCode: code, description: code, eventType: 'VmHealth', affectedObjectFriendlyName: itemId.split('/').pop()!, affectedObjectCorrelationId: itemId, severity: level === 'Normal' ? 'Info' : level, timeOfOccurrence: iso, eventSpecificDetails: { instanceType: 'RpoStatus', level }, healthErrors: [] },
        match: { eventCode: code.toLowerCase(), eventType: 'vmhealth', severity: level.toLowerCase(), affectedObjectFriendlyName: '', affectedObjectCorrelationId: itemId.toLowerCase(), fabricName: 'hv' },
      });
    };
    // web: out one day (Warning, then Critical, then back to Normal), and out again for the last 3 hours.
    await event(web.armId, 'RpoThresholdCrossed', now - 20 * DAY, 'Warning');
    await event(web.armId, 'RpoThresholdCrossed', now - 19.5 * DAY, 'Critical');
    await event(web.armId, 'RpoRecovered', now - 19 * DAY, 'Normal');
    await event(web.armId, 'RpoThresholdCrossed', now - 3 * 3_600_000, 'Warning');
    // db: protected 10 days ago, out for 1 of them.
    await event(db.armId, 'RpoThresholdCrossed', now - 5 * DAY, 'Critical');
    await event(db.armId, 'RpoRecovered', now - 4 * DAY, 'Normal');

    const res = await call('GET', `${V}/replicationComplianceSummary`, reader);
    expect(res.status).toBe(200);
    const s = (await json(res)).properties;
    expect(s.windowDays).toBe(30);
    expect(s.plans).toEqual([{ planId: `${V}/replicationRecoveryPlans/shop`, planName: 'shop', lastPassedDrill: { run: 't-20261122T011000Z', time: '2026-11-22T01:14:00.000Z' }, drillsPassed: 1, drillsFailed: 0, drillsSkippedOrMissed: 1 }]);
    const byName = new Map(s.items.map((i: { itemName: string }) => [i.itemName, i]));
    expect(byName.get('web')).toMatchObject({ withinNow: false });
    expect((byName.get('web') as { percentWithinThreshold: number }).percentWithinThreshold).toBeCloseTo(100 - (100 * (DAY + 3 * 3_600_000)) / (30 * DAY), 2);
    expect(byName.get('db')).toMatchObject({ withinNow: true, secondsOutOfThreshold: 86_400 });
    expect((byName.get('db') as { percentWithinThreshold: number }).percentWithinThreshold).toBeCloseTo(90, 2);
    const bad = await call('GET', `${V}/replicationComplianceSummary?days=90`, reader);
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toContain('from 1 to 30');
    const cli = await runAsrInProcess([registerVaultCommands], ['vault', 'compliance', VAULT], { ASR_ENDPOINT: harness.url, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_TOKEN: reader });
    expect(cli.err).toBe('');
    expect(cli.out).toMatch(/shop\s+2026-11-22T01:14:00.000Z \(t-20261122T011000Z\)\s+1\s+0\s+1/);
    expect(cli.out).toMatch(/db\s+90\.00 %\s+86400\s+within/);
  });

  it('replicationJobs/export: the official client\'s beginExportAndWait returns the export job; its blobUri (our route) serves the matching jobs as JSON; bad queries are 400', async () => {
    const failed = testFailoverJob(VAULT_KEY, `${V}/replicationJobs/job3`);
    failed.id = failed.name = 'job3';
    failed.properties.state = 'Failed';
    failed.properties.startTime = '2026-11-25T08:00:00.000Z';
    await store.createJob(failed);
    const olga = await issuerToken('Operator');
    const operator = siteRecoveryClient(harness.url, SUB, olga);
    const job = await operator.replicationJobs.beginExportAndWait(VAULT, RG, { startTime: '2026-11-20T00:00:00Z', endTime: '2026-11-30T00:00:00Z', jobStatus: 'Failed,Suspended' }, { updateIntervalInMs: 100 });
    expect(job.properties).toMatchObject({ scenarioName: 'ExportJobs', state: 'Succeeded' });
    const details = job.properties!.customDetails as { instanceType: string; blobUri: string; sasToken?: string };
    expect(details.instanceType).toBe('ExportJobDetails');
    expect(details.blobUri.startsWith(`${harness.url}${V}/replicationJobs/${job.name}/exportedJobs`)).toBe(true);
    expect(details.sasToken).toBe('');
    const out = await fetch(details.blobUri, { headers: { authorization: `Bearer ${reader}` } });
    expect(out.status).toBe(200);
    const exported = await json(out);
    expect(exported.value.map((j: { name: string; properties: { state: string } }) => [j.name, j.properties.state])).toEqual([['job1', 'Suspended'], ['job3', 'Failed']]);
    expect((await fetch(details.blobUri)).status).toBe(401);

    const narrow = await operator.replicationJobs.beginExportAndWait(VAULT, RG, { jobStatus: 'Failed' }, { updateIntervalInMs: 100 });
    const narrowOut = await json(await fetch((narrow.properties!.customDetails as { blobUri: string }).blobUri, { headers: { authorization: `Bearer ${reader}` } }));
    expect(narrowOut.value.map((j: { name: string }) => j.name)).toEqual(['job3']);

    for (const [body, text] of [[{ startTime: 'yesterday' }, 'startTime'], [{ jobOutputType: 'Excel' }, 'jobOutputType'], [{ startTime: '2026-11-30T00:00:00Z', endTime: '2026-11-20T00:00:00Z' }, 'after endTime'], [{ colour: 'red' }, 'colour']] as const) {
      const res = await call('POST', `${V}/replicationJobs/export`, olga, body);
      expect(res.status).toBe(400);
      expect((await json(res)).error.message).toContain(text);
    }
    expect((await call('GET', `${V}/replicationJobs/not-a-job/exportedJobs`, reader)).status).toBe(404);
    expect((await call('POST', `${V}/replicationJobs/export`, reader, {})).status).toBe(403);
  });

  it('lists the audit log filtered by time, caller, operation and outcome; a bad filter is a 400', async () => {
    const before = new Date().toISOString();
    await call('PUT', `${V}/replicationPolicies/p1`, contributor, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30 } } });
    await call('PUT', `${V}/replicationPolicies/p2`, contributor, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', replicationInterval: 7 } } });
    const list = async (filter: string) => {
      const res = await call('GET', `${V}/replicationAuditEvents?$filter=${encodeURIComponent(filter)}`, reader);
      expect(res.status).toBe(200);
      return ((await json(res)).value as { properties: { caller: string; operation: string; outcome: string; resourceId: string } }[]).map((e) => e.properties);
    };
    const mine = await list(`time ge '${before}' and caller eq 'carol'`);
    expect(mine.map((e) => [e.resourceId.split('/').pop(), e.outcome])).toEqual([['p2', 'Failed'], ['p1', 'Succeeded']]);
    expect(mine[0].caller).toContain('carol');
    const failed = await list(`time ge '${before}' and outcome eq 'Failed'`);
    expect(failed.map((e) => e.resourceId.split('/').pop())).toEqual(['p2']);
    expect((await list(`operation eq '${mine[0].operation}' and time ge '${before}'`))).toHaveLength(2);
    expect(await list(`caller eq 'nobody'`)).toEqual([]);
    for (const bad of ["time eq '2026-01-01'", "colour eq 'red'", "outcome eq 'Maybe'", "caller eq 'a' or caller eq 'b'"]) {
      const res = await call('GET', `${V}/replicationAuditEvents?$filter=${encodeURIComponent(bad)}`, reader);
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('InvalidFilter');
    }
  });

  it('asr job report writes the workbook and the page; asr audit filters; bad formats are refused', async () => {
    const env = { ASR_ENDPOINT: harness.url, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_TOKEN: reader };
    const xlsx = join(keys.path, 'report.xlsx');
    const run = await runAsrInProcess([registerJobCommands], ['job', 'report', VAULT, 'job1', '--format', 'xlsx', '--out', xlsx], env);
    expect(run.err).toBe('');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(xlsx) as never);
    expect(book.getWorksheet('Machines')!.getRow(2).getCell(5).value).toBe(60);
    const html = await runAsrInProcess([registerJobCommands], ['job', 'report', VAULT, 'job1', '--format', 'html'], env);
    expect(html.out).toContain('&lt;script&gt;');
    const bad = await runAsrInProcess([registerJobCommands], ['job', 'report', VAULT, 'job1', '--format', 'pdf'], env);
    expect(bad.code).not.toBe(0);
    const audit = await runAsrInProcess([registerAuditCommands], ['audit', VAULT, '--since', '1h', '--caller', 'carol', '--outcome', 'Failed', '--json'], env);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.out).map((e: { properties: { resourceId: string } }) => e.properties.resourceId.split('/').pop())).toEqual(['p2']);
  });
});
