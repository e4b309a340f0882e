import { ServiceError } from '../../errors';
import { resourceDocumentId } from '../../metadata';
import { DrillRunStore, drillRunDocumentId, type DrillRunDocument, type DrillScheduleDocument, type DrillScheduler } from '../../drills';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { VAULT_PREFIX, type ArmRoute } from '../ArmRoute';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SCHEDULE = [...VAULT_PREFIX, 'replicationRecoveryPlans', '{plan}', 'drillSchedules', '{schedule}'];
const RUN_TYPE = 'Microsoft.RecoveryServices/vaults/replicationRecoveryPlans/drillSchedules/drillRuns';

/** A run as the API answers it. */
export function shapeDrillRun(doc: DrillRunDocument): Record<string, unknown> {
  return { id: doc.armId, name: doc.name, type: RUN_TYPE, properties: doc.properties };
}

/** The schedule the path names (`…/drillSchedules/{schedule}`), or `NotFound`. */
export async function loadDrillSchedule(ctx: ArmContext): Promise<DrillScheduleDocument> {
  const vault = await ctx.requireVault();
  const [plan, schedule] = ctx.captures.slice(3);
  const doc = await ctx.store.getResource(ctx.vaultKey!, resourceDocumentId(['replicationRecoveryPlans', plan, 'drillSchedules', schedule]));
  if (!doc || doc.kind !== 'drillSchedule') throw new ServiceError('NotFound', `drill schedule '${schedule}' of recovery plan '${plan}' does not exist in vault '${vault.name}'`);
  return doc as unknown as DrillScheduleDocument;
}

/** The run the path names (`…/drillSchedules/{schedule}/drillRuns/{run}`), or `NotFound`. */
export async function loadDrillRun(ctx: ArmContext): Promise<DrillRunDocument> {
  const schedule = await loadDrillSchedule(ctx);
  const name = ctx.captures[5];
  if (!/^[A-Za-z0-9-]{1,80}$/.test(name)) throw new ServiceError('NotFound', `drill run '${name}' does not exist`);
  const doc = await ctx.store.getResource(ctx.vaultKey!, drillRunDocumentId(schedule.id, name));
  if (!doc || doc.kind !== 'drillRun') throw new ServiceError('NotFound', `drill run '${name}' of drill schedule '${schedule.name}' does not exist`);
  return doc as unknown as DrillRunDocument;
}

/** `GET …/drillSchedules/{s}/drillRuns[/{run}]`: the schedule's drill history (oldest due time first) and one run. */
export function drillRunRoutes(): ArmRoute[] {
  return [
    {
      method: 'GET', pattern: [...SCHEDULE, 'drillRuns'], role: 'Reader', action: 'list drillRuns',
      handler: async (ctx) => {
        const schedule = await loadDrillSchedule(ctx);
        const runs = await new DrillRunStore(ctx.store).list(schedule);
        return { status: 200, headers: JSON_HEADERS, body: { value: runs.map(shapeDrillRun) } };
      },
    },
    {
      method: 'GET', pattern: [...SCHEDULE, 'drillRuns', '{run}'], role: 'Reader', action: 'read drillRuns',
      handler: async (ctx) => {
        return { status: 200, headers: JSON_HEADERS, body: shapeDrillRun(await loadDrillRun(ctx)) };
      },
    },
  ];
}

/** `POST …/drillSchedules/{s}/run`: a drill now (202, the run; Location is the run to poll). Needs the Durable client. */
export function drillRunNowRoute(scheduler: () => Promise<DrillScheduler>): ArmRoute {
  return {
    method: 'POST', pattern: [...SCHEDULE, 'run'], role: 'Operator', action: 'run drillSchedules',
    handler: async (ctx): Promise<ArmResponse> => {
      const schedule = await loadDrillSchedule(ctx);
      const run = await (await scheduler()).runNow(schedule, ctx.now());
      const location = new URL(run.armId, ctx.url.origin);
      const v = ctx.url.searchParams.get('api-version');
      if (v) location.searchParams.set('api-version', v);
      return { status: 202, headers: { ...JSON_HEADERS, location: location.toString(), 'retry-after': '5' }, body: shapeDrillRun(run) };
    },
  };
}
