// Drills on the plan page: the Drill button runs the plan's drill schedule now (docs/drills.md),
// after a confirmation, and follows the run to its test failover job. Disabled, with why, when
// the plan has no drill schedule or the role does not allow it. Only this file knows the paths.
import { api, ApiError, planPath } from './api.js';
import { el, showStatus } from './dom.js';
import { can } from './session.js';

const SCHEDULES = 'drillSchedules';

export type DrillSupport = { available: true; schedule: string } | { available: false; reason: string };

/** The plan's first drill schedule (a drill runs under a schedule: its point, checks, keep-up time, network). */
export async function drillSupport(vault: string, plan: string): Promise<DrillSupport> {
  try {
    const list = (await api('GET', `${planPath(vault, plan)}/${SCHEDULES}`)).body as { value?: Array<{ name: string }> };
    const first = list.value?.[0]?.name;
    return first ? { available: true, schedule: first } : { available: false, reason: 'no drill schedule: asr drill schedule …' };
  } catch (e) {
    return { available: false, reason: e instanceof ApiError && e.status === 403 ? 'needs a stronger role' : 'drills not available' };
  }
}

/** Polls the drill run until its test failover job exists (the drill orchestration starts it within seconds). */
async function jobOfRun(runPath: string): Promise<string | undefined> {
  for (let i = 0; i < 30; i++) {
    const run = (await api('GET', runPath)).body as { properties?: { testFailoverJobId?: string; phase?: string; result?: string } };
    if (run.properties?.testFailoverJobId) return run.properties.testFailoverJobId;
    if (run.properties?.phase === 'Done') return undefined;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}

export async function drillButton(vault: string, plan: string, confirm: (title: string, says: string, fields: Node[]) => Promise<boolean>): Promise<HTMLElement> {
  const support = await drillSupport(vault, plan);
  if (!support.available) {
    return el('button', { type: 'button', 'data-operation': 'drill', disabled: true, title: support.reason, 'aria-describedby': 'drill-why' }, 'Drill', el('span', { id: 'drill-why', class: 'why' }, ` (${support.reason})`));
  }
  const says = `run drill schedule ${support.schedule} now: a test failover into its isolated network, its checks, the keep-up time, then the cleanup and a drill run record`;
  return el('button', {
    type: 'button', 'data-operation': 'drill', disabled: !can('Operator'), title: can('Operator') ? says : 'needs the Operator role',
    click: () => {
      void (async () => {
        if (!(await confirm(`Drill of ${plan}?`, says, []))) return;
        const started = await api('POST', `${planPath(vault, plan)}/${SCHEDULES}/${encodeURIComponent(support.schedule)}/run`, {});
        const runPath = new URL(started.headers.get('location') ?? '', location.origin).pathname;
        const job = await jobOfRun(runPath);
        if (job) location.hash = `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(job)}`;
        else showStatus(`drill run ${String((started.body as { name?: string }).name ?? '')} started; its result is in asr drill history`);
      })().catch((e: Error) => showStatus(e.message));
    },
  }, 'Drill');
}
