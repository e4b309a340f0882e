import { ServiceError } from '../../errors';
import { diskIdSchema, issuedIdSchema } from '../../naming';
import type { VaultDocument } from '../../metadata';
import { FINISHED_JOB_STATES } from '../../recovery/plan/AsrJob';
import { machineTaskPage } from '../../recovery/plan/jobTaskPages';
import { withRunningGroups } from '../../recovery/jobs/machineTaskReports';
import { JOB_TASKS_INLINE } from '../../recovery/plan/planLimits';
import type { RecoveryJobDocument } from '../../recovery/jobs/RecoveryJobDocument';
import { shapeJob, type RecoveryJobService, type RecoveryTarget } from '../../recovery/service/RecoveryJobService';
import type { RecoveryScenario } from '../../recovery/plan/RecoveryScenario';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from '../ArmRoute';
import { nextLinkOf, skipTokenOf } from '../paging';
import { parseBody, parseJson } from '../parseBody';
import { z } from 'zod';
import type { DiskExporter } from '../../recovery/service/DiskExporter';
import { protectedItemResource, recoveryPlanResource } from '../resources';
import { resourceDocumentId as documentIdOf } from '../../metadata';
import { presentScopeOf, shapeResource, type PresentScope } from '../shapeResource';
import type { Role } from '../../security';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** ASR's action path segments and the scenario each starts; Operators may test, Contributors fail over. */
const ACTIONS: { segment: string; scenario: RecoveryScenario; role: Role }[] = [
  { segment: 'testFailover', scenario: 'TestFailover', role: 'Operator' },
  { segment: 'testFailoverCleanup', scenario: 'TestFailoverCleanup', role: 'Operator' },
  { segment: 'plannedFailover', scenario: 'PlannedFailover', role: 'Contributor' },
  { segment: 'unplannedFailover', scenario: 'UnplannedFailover', role: 'Contributor' },
  { segment: 'failoverCommit', scenario: 'FailoverCommit', role: 'Contributor' },
  { segment: 'failoverCancel', scenario: 'CancelFailover', role: 'Contributor' },
  // Issue 13: a planned failover back (RecoveryToPrimary) is a failback; reProtect starts forward replication again.
  { segment: 'reProtect', scenario: 'Reprotect', role: 'Contributor' },
];

const PLAN = [...VAULT_PREFIX, 'replicationRecoveryPlans', '{plan}'];
const ITEM = [...VAULT_PREFIX, 'replicationFabrics', '{fabric}', 'replicationProtectionContainers', '{container}', 'replicationProtectedItems', '{item}'];
const JOBS = [...VAULT_PREFIX, 'replicationJobs'];

type Kind = 'plan' | 'item';

async function loadTarget(ctx: ArmContext, kind: Kind): Promise<{ vault: VaultDocument; target: RecoveryTarget }> {
  const vault = await ctx.requireVault();
  const names = ctx.captures.slice(3);
  const segments = kind === 'plan'
    ? ['replicationRecoveryPlans', names[0]]
    : ['replicationFabrics', names[0], 'replicationProtectionContainers', names[1], 'replicationProtectedItems', names[2]];
  const doc = await ctx.store.getResource(ctx.vaultKey!, documentIdOf(segments));
  if (!doc) {
    throw new ServiceError('NotFound', `${kind === 'plan' ? 'recovery plan' : 'protected item'} '${names[names.length - 1]}' does not exist in vault '${vault.name}'`);
  }
  return { vault, target: kind === 'plan' ? { kind, doc } : { kind, doc } };
}

function targetBody(target: RecoveryTarget, location: string, scope: PresentScope): Promise<Record<string, unknown>> {
  return target.kind === 'plan' ? shapeResource(target.doc, recoveryPlanResource, location, scope) : shapeResource(target.doc, protectedItemResource, location, scope);
}

function withApiVersion(ctx: ArmContext, path: string): string {
  const url = new URL(path, ctx.url.origin);
  const v = ctx.url.searchParams.get('api-version');
  if (v) url.searchParams.set('api-version', v);
  return url.toString();
}

/** 202 + Location `{target}/operationresults/{job}`; the poll answers 202 until the job succeeds, fails or is suspended. */
async function startHandler(ctx: ArmContext, service: RecoveryJobService, kind: Kind, scenario: RecoveryScenario): Promise<ArmResponse> {
  const { vault, target } = await loadTarget(ctx, kind);
  const started = await service.start(vault, target, scenario, parseJson(ctx.request.bodyText));
  const fresh = await ctx.store.getResource(ctx.vaultKey!, target.doc.id);
  const body = await targetBody({ ...target, doc: fresh ?? target.doc } as RecoveryTarget, vault.location, presentScopeOf(ctx));
  return {
    status: 202,
    headers: { ...JSON_HEADERS, location: withApiVersion(ctx, `${target.doc.armId}/operationresults/${started.jobName}`), 'retry-after': '2' },
    body,
  };
}

async function operationResultHandler(ctx: ArmContext, service: RecoveryJobService, kind: Kind): Promise<ArmResponse> {
  const { vault, target } = await loadTarget(ctx, kind);
  const jobName = ctx.captures[ctx.captures.length - 1];
  const job = await service.get(ctx.vaultKey!, jobName);
  const p = job.properties;
  if (p.state === 'NotStarted' || p.state === 'InProgress') {
    return { status: 202, headers: { location: ctx.url.toString(), 'retry-after': '2' } };
  }
  if (FINISHED_JOB_STATES.includes(p.state) && p.state !== 'Succeeded') {
    const e = p.errors[p.errors.length - 1]?.serviceErrorDetails;
    return {
      status: 409,
      headers: JSON_HEADERS,
      body: { error: { code: e?.code ?? `Job${p.state}`, message: `job ${jobName} ${p.state.toLowerCase()}: ${e?.message ?? p.stateDescription}`, details: [{ code: 'JobId', message: job.armId }] } },
    };
  }
  const fresh = await ctx.store.getResource(ctx.vaultKey!, target.doc.id);
  return { status: 200, headers: JSON_HEADERS, body: await targetBody({ ...target, doc: fresh ?? target.doc } as RecoveryTarget, vault.location, presentScopeOf(ctx)) };
}

async function listJobsHandler(ctx: ArmContext): Promise<ArmResponse> {
  await ctx.requireVault();
  const page = await ctx.store.listJobs<RecoveryJobDocument>(ctx.vaultKey!, { maxItemCount: ctx.pageSize, continuationToken: skipTokenOf(ctx.url) });
  // Running jobs with the reports of their running groups' machine tasks, as GET of one job shows them.
  const value = await Promise.all(page.items.map(async (doc) => shapeJob({ ...doc, properties: await withRunningGroups(ctx.store, ctx.vaultKey!, doc.id, doc.properties) })));
  return { status: 200, headers: JSON_HEADERS, body: { value, nextLink: nextLinkOf(ctx.url, page.continuationToken) } };
}

const exportBody = z.object({
  properties: z.object({
    diskId: diskIdSchema,
    from: z.enum(['TestFailover', 'Failover', 'Point']),
    /** A point's name or ARM id: its last segment names the point (and a blob), so it must be an id this service issued. */
    recoveryPointId: z.string().refine((id) => issuedIdSchema.safeParse(id.split('/').pop()).success, 'must name a recovery point of the item (its name or ARM id)').optional(),
    primaryKekCertificatePfx: z.string().optional(),
  }),
});

/** `POST P/{item}/exportDisk`: a read-only URL of a recovered disk (our extension; see docs/recovery-plans.md). */
async function exportDiskHandler(ctx: ArmContext, exporter: DiskExporter): Promise<ArmResponse> {
  const { target } = await loadTarget(ctx, 'item');
  const p = parseBody(exportBody, parseJson(ctx.request.bodyText)).properties;
  if (p.from === 'Point' && !p.recoveryPointId) throw new ServiceError('InvalidRequestBody', 'properties.recoveryPointId: name the point to export from', { details: { target: 'properties.recoveryPointId' } });
  const key = p.primaryKekCertificatePfx ? Buffer.from(p.primaryKekCertificatePfx, 'base64') : undefined;
  const source = p.from === 'Point' ? { kind: 'Point' as const, pointId: p.recoveryPointId!.split('/').pop()! } : { kind: p.from };
  const out = await exporter.export(ctx.vaultKey!, target.doc as never, p.diskId, source, key);
  return { status: 200, headers: JSON_HEADERS, body: { properties: out } };
}

/**
 * `GET replicationJobs/{job}/tasks` (ours; docs/api.md): the job's machine tasks, each with its
 * group's `parentTaskId`, a page at a time (`$top` up to 1,000, `nextLink`), for jobs too large
 * to answer whole.
 */
async function jobTasksHandler(ctx: ArmContext, service: RecoveryJobService): Promise<ArmResponse> {
  await ctx.requireVault();
  const job = await service.get(ctx.vaultKey!, ctx.captures[3]);
  const token = skipTokenOf(ctx.url);
  const offset = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(offset) || offset < 0) throw new ServiceError('InvalidParameter', '$skipToken is not a token this service issued; start the list again');
  const top = Number(ctx.url.searchParams.get('$top') ?? JOB_TASKS_INLINE);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new ServiceError('InvalidParameter', '$top: a whole number from 1 to 1000');
  const page = machineTaskPage(job.properties.tasks, offset, top);
  return { status: 200, headers: JSON_HEADERS, body: { value: page.value, nextLink: nextLinkOf(ctx.url, page.next === undefined ? undefined : String(page.next)) } };
}

function jobResponse(job: RecoveryJobDocument): ArmResponse {
  return { status: 200, headers: JSON_HEADERS, body: shapeJob(job) };
}

/**
 * The Recovery issue's routes: plan and item operations (LROs backed by jobs), their operation
 * results, and jobs with cancel, restart and resume. Added to `ArmApi` as `extraRoutes`; the
 * service is built per request around that request's Durable client.
 */
export function recoveryRoutes(service: RecoveryJobService, exporter?: () => Promise<DiskExporter>): ArmRoute[] {
  const routes: ArmRoute[] = [];
  if (exporter) {
    routes.push({ method: 'POST', pattern: [...ITEM, 'exportDisk'], role: 'Operator', action: 'exportDisk replicationProtectedItems', handler: async (ctx) => exportDiskHandler(ctx, await exporter()) });
  }
  for (const a of ACTIONS) {
    routes.push(
      { method: 'POST', pattern: [...PLAN, a.segment], role: a.role, action: `${a.segment} replicationRecoveryPlans`, handler: (ctx) => startHandler(ctx, service, 'plan', a.scenario) },
      { method: 'POST', pattern: [...ITEM, a.segment], role: a.role, action: `${a.segment} replicationProtectedItems`, handler: (ctx) => startHandler(ctx, service, 'item', a.scenario) },
    );
  }
  routes.push(
    { method: 'GET', pattern: [...PLAN, 'operationresults', '{job}'], role: 'Reader', action: 'read plan operation result', handler: (ctx) => operationResultHandler(ctx, service, 'plan') },
    { method: 'GET', pattern: [...ITEM, 'operationresults', '{job}'], role: 'Reader', action: 'read item operation result', handler: (ctx) => operationResultHandler(ctx, service, 'item') },
    { method: 'GET', pattern: JOBS, role: 'Reader', action: 'list replicationJobs', handler: listJobsHandler },
    {
      method: 'GET', pattern: [...JOBS, '{job}'], role: 'Reader', action: 'read replicationJobs',
      handler: async (ctx) => { await ctx.requireVault(); return jobResponse(await service.get(ctx.vaultKey!, ctx.captures[3])); },
    },
    { method: 'GET', pattern: [...JOBS, '{job}', 'tasks'], role: 'Reader', action: 'read replicationJobs', handler: (ctx) => jobTasksHandler(ctx, service) },
    {
      method: 'POST', pattern: [...JOBS, '{job}', 'cancel'], role: 'Operator', action: 'cancel replicationJobs',
      handler: async (ctx) => { await ctx.requireVault(); return jobResponse(await service.cancel(ctx.vaultKey!, ctx.captures[3])); },
    },
    {
      method: 'POST', pattern: [...JOBS, '{job}', 'resume'], role: 'Operator', action: 'resume replicationJobs',
      handler: async (ctx) => {
        await ctx.requireVault();
        return jobResponse(await service.resume(ctx.vaultKey!, ctx.captures[3], parseJson(ctx.request.bodyText), ctx.principal.name ?? ctx.principal.subject));
      },
    },
    {
      method: 'POST', pattern: [...JOBS, '{job}', 'restart'], role: 'Contributor', action: 'restart replicationJobs',
      handler: async (ctx) => {
        const vault = await ctx.requireVault();
        const started = await service.restart(vault, ctx.captures[3]);
        return jobResponse(await service.get(ctx.vaultKey!, started.jobName));
      },
    },
  );
  return routes;
}
