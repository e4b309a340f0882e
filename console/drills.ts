// The seam for drills (issue 15, built elsewhere): the plan page shows a Drill button that stays
// disabled, saying "drills not available", until the API answers for the plan's drills. When it
// does, the button runs one after a confirmation. Only this file knows the drill API's paths.
import { api, ApiError, jobHashOf, planPath } from './api.js';
import { el, showStatus } from './dom.js';
import { can } from './session.js';

/** Where the drill API will be, under the recovery plan: listing answers 200 once it exists; POST …/run starts one. */
const DRILLS = 'drills';

export type DrillSupport = { available: true } | { available: false; reason: string };

/** Asks the API whether the plan has drills: any answer but 200 means no (404 from an API without them). */
export async function drillSupport(vault: string, plan: string): Promise<DrillSupport> {
  try {
    await api('GET', `${planPath(vault, plan)}/${DRILLS}`);
    return { available: true };
  } catch (e) {
    return { available: false, reason: e instanceof ApiError && e.status === 403 ? 'needs a stronger role' : 'drills not available' };
  }
}

export async function drillButton(vault: string, plan: string, confirm: (title: string, says: string, fields: Node[]) => Promise<boolean>): Promise<HTMLElement> {
  const support = await drillSupport(vault, plan);
  if (!support.available) {
    return el('button', { type: 'button', 'data-operation': 'drill', disabled: true, title: support.reason, 'aria-describedby': 'drill-why' }, 'Drill', el('span', { id: 'drill-why', class: 'why' }, ` (${support.reason})`));
  }
  const says = 'run a drill now: a test failover into the plan\'s isolated network, the checks of its drill settings, then the cleanup, and a report';
  return el('button', {
    type: 'button', 'data-operation': 'drill', disabled: !can('Operator'), title: can('Operator') ? says : 'needs the Operator role',
    click: () => {
      void (async () => {
        if (!(await confirm(`Drill of ${plan}?`, says, []))) return;
        location.hash = jobHashOf(vault, await api('POST', `${planPath(vault, plan)}/${DRILLS}/run`, {}));
      })().catch((e: Error) => showStatus(e.message));
    },
  }, 'Drill');
}
