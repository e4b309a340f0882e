import { ServiceError } from '../errors';
import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';
import { buildJobReport, parseAuditFilter, renderJobReportHtml, renderJobReportXlsx } from '../reports';
import type { ArmContext } from './ArmContext';
import type { ArmResponse } from './ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from './ArmRoute';
import { nextLinkOf, skipTokenOf } from './paging';

const JOBS = [...VAULT_PREFIX, 'replicationJobs'];
const FORMATS = ['json', 'xlsx', 'html'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `GET V/replicationJobs/{job}/report?format=json|xlsx|html` (docs/reports.md). */
async function jobReportHandler(ctx: ArmContext): Promise<ArmResponse> {
  const format = (ctx.url.searchParams.get('format') ?? 'json').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ServiceError('InvalidParameter', `format '${format}' is none of ${FORMATS.join(', ')}`, { details: { target: 'format' } });
  }
  await ctx.requireVault();
  const name = ctx.captures[3];
  const doc = await ctx.store.getJob<RecoveryJobDocument>(ctx.vaultKey!, name);
  if (!doc) throw new ServiceError('NotFound', `job '${name}' does not exist in vault '${ctx.captures[2]}' (jobs are kept 30 days)`);
  if (!doc.recovery) throw new ServiceError('InvalidParameter', `job '${name}' is not a recovery job; reports are made of failover, failback and test failover jobs`);
  const report = buildJobReport(doc, { now: ctx.now() });
  const file = `${name}-report`;
  if (format === 'json') return { status: 200, headers: { 'content-type': 'application/json' }, body: report };
  if (format === 'html') {
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' }, raw: renderJobReportHtml(report) };
  }
  return { status: 200, headers: { 'content-type': XLSX, 'content-disposition': `attachment; filename="${file}.xlsx"` }, raw: await renderJobReportXlsx(report) };
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

/** Reports and evidence (issue 15): job reports and the audit log. Read-only: Reader may call them. */
export function reportRoutes(): ArmRoute[] {
  return [
    { method: 'GET', pattern: [...JOBS, '{job}', 'report'], role: 'Reader', action: 'report replicationJobs', handler: jobReportHandler },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationAuditEvents'], role: 'Reader', action: 'list replicationAuditEvents', handler: auditHandler },
  ];
}
