import { ServiceError } from '../errors';
import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';
import { buildJobReport, parseAuditFilter, renderJobReportHtml, renderJobReportXlsx, type DrillContext, type JobReport } from '../reports';
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

/** Reports and evidence (issue 15): job and drill reports and the audit log. Read-only: Reader may call them. */
export function reportRoutes(): ArmRoute[] {
  return [
    { method: 'GET', pattern: [...JOBS, '{job}', 'report'], role: 'Reader', action: 'report replicationJobs', handler: jobReportHandler },
    {
      method: 'GET', pattern: [...VAULT_PREFIX, 'replicationRecoveryPlans', '{plan}', 'drillSchedules', '{schedule}', 'drillRuns', '{run}', 'report'],
      role: 'Reader', action: 'report drillRuns', handler: drillReportHandler,
    },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationAuditEvents'], role: 'Reader', action: 'list replicationAuditEvents', handler: auditHandler },
  ];
}
