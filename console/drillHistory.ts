// The plan's drills on the plan page: each drill schedule (when, how it verifies, next run) and
// its run history, newest first: the time, the verdict, what failed (machine and check, or the
// reason), the test failover job and its report as downloads (docs/drills.md, docs/reports.md).
import { ApiError, list, planPath } from './api.js';
import { el, type Json } from './dom.js';
import { reportButtons } from './reports.js';

/** Runs shown per schedule (the API answers every run; the newest matter on the day). */
const SHOWN_RUNS = 20;

/** "machine web-dr, probe orders: expected …", or the run's reason, or the phase while it runs. */
function whatFailed(p: Json): string {
  const failures = (p.failures ?? []) as Json[];
  if (failures.length) return failures.map((f) => `machine ${f.machine}, ${f.check}: ${f.detail}`).join('; ');
  if (p.phase !== 'Done') return `running (${p.phase})`;
  return p.result === 'Passed' ? '' : String(p.reason ?? '');
}

function runRow(vault: string, plan: string, schedule: string, run: Json): HTMLElement {
  const p = run.properties ?? {};
  const verdict = p.phase === 'Done' ? String(p.result ?? '-') : 'Running';
  const job = p.testFailoverJobId as string | undefined;
  const what = `drill run ${run.name} of ${schedule}`;
  return el('tr', { 'data-run': run.name, 'data-result': verdict },
    el('th', { scope: 'row' }, String(p.dueTime ?? p.startTime ?? '-')),
    el('td', {}, String(p.trigger ?? '-')),
    el('td', {}, el('span', { class: `badge ${verdict.toLowerCase()}` }, verdict), p.verifiedLevel ? ` ${p.verifiedLevel}` : ''),
    el('td', { class: 'failed-what' }, whatFailed(p)),
    el('td', {}, job ? el('a', { href: `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(job)}`, 'aria-label': `Test failover job of ${what}` }, 'Job') : '-'),
    el('td', {}, job ? reportButtons(vault, job, what) : '-'));
}

async function scheduleSection(vault: string, plan: string, s: Json): Promise<HTMLElement> {
  const p = s.properties ?? {};
  const runs = (await list(`${planPath(vault, plan)}/drillSchedules/${encodeURIComponent(s.name)}/drillRuns`)).reverse().slice(0, SHOWN_RUNS);
  const headingId = `drill-${s.name}`;
  return el('section', { 'aria-labelledby': headingId, 'data-schedule': s.name },
    el('h3', { id: headingId }, `Schedule ${s.name}`),
    el('p', {}, `${p.schedule} (${p.timeZone ?? 'UTC'}) · ${p.enabled === false ? 'disabled' : `next run ${p.nextRunTime ?? '-'}`} · verifies ${p.verification ?? '-'} · keeps machines up ${p.keepUpSeconds ?? '-'} s`),
    runs.length
      ? el('div', { class: 'scroll' }, el('table', { 'aria-label': `Drill runs of ${s.name}, newest first` },
        el('thead', {}, el('tr', {}, ...['Due', 'Trigger', 'Result', 'What failed', 'Job', 'Report'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...runs.map((r) => runRow(vault, plan, s.name, r)))))
      : el('p', {}, 'No drill has run yet.'));
}

/** The "Drills" part of the plan page: nothing when the plan has no schedule; a note when the role may not read them. */
export async function drillHistory(vault: string, plan: string): Promise<HTMLElement[]> {
  let schedules: Json[];
  try {
    schedules = await list(`${planPath(vault, plan)}/drillSchedules`);
  } catch (e) {
    if (e instanceof ApiError) return [el('h2', {}, 'Drills'), el('p', {}, `Drills cannot be shown: ${e.message}`)];
    throw e;
  }
  if (!schedules.length) return [];
  return [el('h2', { id: 'drills' }, 'Drills'), ...await Promise.all(schedules.map((s) => scheduleSection(vault, plan, s)))];
}
