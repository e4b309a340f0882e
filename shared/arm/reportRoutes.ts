import { ServiceError } from '../errors';
import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';
import { buildComplianceSummary, buildJobReport, jobQuerySchema, type ComplianceRpoEvent, parseAuditFilter, renderJobReportHtml, renderJobReportXlsx, type DrillContext, type JobExporter, type JobReport } from '../reports';
import { shapeJob } from '../recovery/service/RecoveryJobService';
import { parseBody, parseJson } from './parseBody';
import type { DrillRunDocument } from '../drills';
import { loadDrillRun } from './drills/drillRoutes';
import type { ArmContext } from './ArmContext';
import type { ArmResponse } from './ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from './ArmRoute';
import { nextLinkOf, skipTokenOf } from './paging';

const JOBS = [...VAULT_PREFIX, 'replicationJobs'];
const FORMATS = ['json', 'xlsx', 'html'] as const;
type Format = typeof FORMATS[number];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The `format` query parameter, checked. */
function formatOf(ctx: ArmContext): Format {
  const format = (ctx.url.searchParams.get('format') ?? 'json').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ServiceError('InvalidParameter', `format '${format}' is none of ${FORMATS.join(', ')}`, { details: { target: 'format' } });
  }
  return format as Format;
}

/** The report rendered as asked, for download under `file`. */
async function rendered(report: JobReport, format: Format, file: string): Promise<ArmResponse> {
  if (format === 'json') return { status: 200, headers: { 'content-type': 'application/json' }, body: report };
  if (format === 'html') {
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' }, raw: renderJobReportHtml(report) };
  }
  return { status: 200, headers: { 'content-type': XLSX, 'content-disposition': `attachment; filename="${file}.xlsx"` }, raw: await renderJobReportXlsx(report) };
}

async function recoveryJob(ctx: ArmContext, name: string): Promise<RecoveryJobDocument> {
  const doc = await ctx.store.getJob<RecoveryJobDocument>(ctx.vaultKey!, name);
  if (!doc) throw new ServiceError('NotFound', `job '${name}' does not exist in vault '${ctx.captures[2]}' (jobs are kept 30 days)`);
  if (!doc.recovery) throw new ServiceError('InvalidParameter', `job '${name}' is not a recovery job; reports are made of failover, failback and test failover jobs`);
  return doc;
}

/** `GET V/replicationJobs/{job}/report?format=json|xlsx|html` (docs/reports.md). */
async function jobReportHandler(ctx: ArmContext): Promise<ArmResponse> {
  const format = formatOf(ctx);
  await ctx.requireVault();
  const name = ctx.captures[3];
  return rendered(buildJobReport(await recoveryJob(ctx, name), { now: ctx.now() }), format, `${name}-report`);
}

/** What a drill run's record adds to its test failover job's report. */
export function drillContextOf(run: DrillRunDocument): DrillContext {
  const p = run.properties;
  const checks = p.machines.flatMap((m) => m.checks.map((c) => ({ machine: m.machineName ?? m.item, check: c.name, ok: c.ok, detail: c.detail })));
  return {
    id: run.name, scheduleName: p.scheduleName, trigger: p.trigger, dueTime: p.dueTime, ...(p.endTime ? { endTime: p.endTime } : {}),
    ...(p.result ? { result: p.result } : {}), ...(p.reason ? { reason: p.reason } : {}),
    verification: p.verification, ...(p.verifiedLevel ? { verifiedLevel: p.verifiedLevel } : {}), keepUpSeconds: p.keepUpSeconds,
    ...(p.cleanupJobId ? { cleanupJobId: p.cleanupJobId } : {}), ...(p.cleanupState ? { cleanupState: p.cleanupState } : {}),
    checks,
  };
}

/**
 * `GET V/replicationRecoveryPlans/{plan}/drillSchedules/{s}/drillRuns/{run}/report?format=…`:
 * the drill's test failover job report with the drill record (verdict, checks, cleanup). A run
 * that never started a test failover (Skipped, Missed, just claimed) has nothing to report: 409.
 */
async function drillReportHandler(ctx: ArmContext): Promise<ArmResponse> {
  const format = formatOf(ctx);
  const run = await loadDrillRun(ctx);
  const jobName = run.properties.testFailoverJobId;
  if (!jobName) {
    const what = run.properties.result ? `was ${run.properties.result}${run.properties.reason ? ` (${run.properties.reason})` : ''}` : `is ${run.properties.phase}`;
    throw new ServiceError('Conflict', `drill run '${run.name}' ${what}: no test failover ran, so there is no report; see its record, or pick a run that ran`);
  }
  return rendered(buildJobReport(await recoveryJob(ctx, jobName), { now: ctx.now(), drill: drillContextOf(run) }), format, `drill-${run.name}-report`);
}

/** `GET V/replicationAuditEvents[?$filter=…]`: the vault's audit log, newest first. */
async function auditHandler(ctx: ArmContext): Promise<ArmResponse> {
  const query = parseAuditFilter(ctx.url.searchParams.get('$filter'));
  await ctx.requireVault();
  const page = await ctx.store.listAudit(ctx.vaultKey!, { maxItemCount: ctx.pageSize, continuationToken: skipTokenOf(ctx.url) }, query);
  const value = page.items.map((e) => ({
    id: `${ctx.url.pathname}/${e.id}`, name: e.id, type: 'Microsoft.RecoveryServices/vaults/replicationAuditEvents',
    properties: { time: e.at, caller: e.principal, operation: e.action, resourceId: e.resourceId, outcome: e.result.status < 400 ? 'Succeeded' : 'Failed', status: e.result.status, ...(e.result.code ? { code: e.result.code } : {}) },
  }));
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { value, nextLink: nextLinkOf(ctx.url, page.continuationToken) } };
}

const EXPORT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `POST V/replicationJobs/export` (ASR's job export, body a `JobQueryParameter`): the export is
 * written at once, so the answer is 202 with `Location` its operation result, which answers 200
 * with the export job, already `Succeeded`; its `customDetails.blobUri` is the route below.
 */
async function exportJobsHandler(ctx: ArmContext, exporter: JobExporter): Promise<ArmResponse> {
  const query = parseBody(jobQuerySchema, parseJson(ctx.request.bodyText));
  await ctx.requireVault();
  const jobs = `${ctx.url.pathname.replace(/\/export$/i, '')}`;
  const v = ctx.url.searchParams.get('api-version');
  const urlOf = (path: string) => { const u = new URL(path, ctx.url.origin); if (v) u.searchParams.set('api-version', v); return u.toString(); };
  const job = await exporter.export(ctx.vaultKey!, jobs, query, ctx.now(), (name) => urlOf(`${jobs}/${name}/exportedJobs`));
  return { status: 202, headers: { 'content-type': 'application/json', location: urlOf(`${jobs}/operationresults/${job.name}`), 'retry-after': '1' }, body: shapeJob(job) };
}

/** `GET V/replicationJobs/operationresults/{job}`: the export's operation result, the export job (200: it is written before the 202). */
async function exportResultHandler(ctx: ArmContext): Promise<ArmResponse> {
  await ctx.requireVault();
  const name = ctx.captures[3];
  const doc = EXPORT_NAME.test(name) ? await ctx.store.getJob<RecoveryJobDocument>(ctx.vaultKey!, name) : undefined;
  if (!doc || doc.properties.scenarioName !== 'ExportJobs') throw new ServiceError('NotFound', `no job export '${name}' in vault '${ctx.captures[2]}'`);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: shapeJob(doc) };
}

/** `GET V/replicationJobs/{job}/exportedJobs`: the export's JSON, streamed from the vault's storage. */
async function exportedJobsHandler(ctx: ArmContext, exporter: JobExporter): Promise<ArmResponse> {
  await ctx.requireVault();
  const name = ctx.captures[3];
  const bytes = EXPORT_NAME.test(name) ? await exporter.read(ctx.vaultKey!, name) : undefined;
  if (!bytes) throw new ServiceError('NotFound', `job '${name}' has no export in vault '${ctx.captures[2]}' (exports are made by POST replicationJobs/export)`);
  return { status: 200, headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="jobs-${name}.json"` }, raw: bytes };
}

/** Every page of a listing. */
async function all<T>(read: (continuationToken?: string) => Promise<{ items: T[]; continuationToken?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    out.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return out;
}

/** Events are kept `ASR_EVENT_TTL_DAYS` (30): a longer window would count expired out-of-threshold time as within. */
const MAX_COMPLIANCE_DAYS = 30;

/** `GET V/replicationComplianceSummary[?days=N]` (docs/reports.md#compliance-summary). */
async function complianceHandler(ctx: ArmContext): Promise<ArmResponse> {
  const raw = ctx.url.searchParams.get('days') ?? String(MAX_COMPLIANCE_DAYS);
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > MAX_COMPLIANCE_DAYS) {
    throw new ServiceError('InvalidParameter', `days '${raw}' must be a whole number from 1 to ${MAX_COMPLIANCE_DAYS} (RPO events are kept ${MAX_COMPLIANCE_DAYS} days)`, { details: { target: 'days' } });
  }
  await ctx.requireVault();
  const key = ctx.vaultKey!;
  const now = ctx.now();
  const list = (kind: 'recoveryPlan' | 'protectedItem' | 'drillRun') => all((continuationToken) => ctx.store.listResources(key, { kind, continuationToken, maxItemCount: 200 }));
  const [plans, items, runs] = await Promise.all([list('recoveryPlan'), list('protectedItem'), list('drillRun')]);
  const since = new Date(now.getTime() - (days + MAX_COMPLIANCE_DAYS) * 86_400_000).toISOString();
  const rpoEvents: ComplianceRpoEvent[] = [];
  for (const eventCode of ['RpoThresholdCrossed', 'RpoRecovered']) {
    const events = await all((continuationToken) => ctx.store.listEvents(key, { eventCode, startTime: since }, { continuationToken, maxItemCount: 500 }));
    rpoEvents.push(...events.map((e) => ({ itemId: e.properties.affectedObjectCorrelationId, time: e.properties.timeOfOccurrence, level: String(e.properties.eventSpecificDetails?.level ?? (eventCode === 'RpoRecovered' ? 'Normal' : 'Warning')) })));
  }
  const summary = buildComplianceSummary({
    now, days, rpoEvents,
    plans: plans.map((p) => ({ planId: p.armId, planName: p.name })),
    items: items.map((i) => ({ itemId: i.armId, itemName: String((i.properties as { friendlyName?: string }).friendlyName || i.name), protectedSince: i.createdAt })),
    runs: (runs as unknown as DrillRunDocument[]).map((r) => ({ planId: r.properties.planId, planName: r.properties.planName, name: r.name, dueTime: r.properties.dueTime, ...(r.properties.endTime ? { endTime: r.properties.endTime } : {}), ...(r.properties.result ? { result: r.properties.result } : {}) })),
  });
  return { status: 200, headers: { 'content-type': 'application/json' }, body: { id: ctx.url.pathname, type: 'Microsoft.RecoveryServices/vaults/replicationComplianceSummary', properties: summary } };
}

/**
 * Reports and evidence (issue 15): job and drill reports and the audit log (read-only: Reader
 * may call them); with an exporter, the job export (Operator) and its output.
 */
export function reportRoutes(exporter?: () => Promise<JobExporter>): ArmRoute[] {
  return [
    ...(exporter ? [
      { method: 'POST', pattern: [...JOBS, 'export'], role: 'Operator', action: 'export replicationJobs', handler: async (ctx: ArmContext) => exportJobsHandler(ctx, await exporter()) },
      { method: 'GET', pattern: [...JOBS, 'operationresults', '{job}'], role: 'Reader', action: 'read replicationJobs operation result', handler: exportResultHandler },
      { method: 'GET', pattern: [...JOBS, '{job}', 'exportedJobs'], role: 'Reader', action: 'read exportedJobs', handler: async (ctx: ArmContext) => exportedJobsHandler(ctx, await exporter()) },
    ] as ArmRoute[] : []),
    { method: 'GET', pattern: [...JOBS, '{job}', 'report'], role: 'Reader', action: 'report replicationJobs', handler: jobReportHandler },
    {
      method: 'GET', pattern: [...VAULT_PREFIX, 'replicationRecoveryPlans', '{plan}', 'drillSchedules', '{schedule}', 'drillRuns', '{run}', 'report'],
      role: 'Reader', action: 'report drillRuns', handler: drillReportHandler,
    },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationComplianceSummary'], role: 'Reader', action: 'read replicationComplianceSummary', handler: complianceHandler },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationAuditEvents'], role: 'Reader', action: 'list replicationAuditEvents', handler: auditHandler },
  ];
}
