// The vault's events feed (replicationEvents, docs/events.md): newest first as the API lists
// them, severity shown as a badge, each with what to do; a job's events link to the job.
import { list, vaultPath } from './api.js';
import { el, type Json } from './dom.js';

const SHOWN = 25;

/** The feed's section, or nothing when the vault has no events (or the API has no events resource). */
export async function eventsFeed(vault: string): Promise<Node[]> {
  let events: Json[];
  try {
    events = await list(`${vaultPath(vault)}/replicationEvents`);
  } catch {
    return [];
  }
  if (!events.length) return [];
  const jobLink = (e: Json): Node | undefined => {
    const job = String(e.properties?.eventSpecificDetails?.jobId ?? '').split('/').pop();
    return job ? el('a', { href: `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(job)}` }, 'job') : undefined;
  };
  return [
    el('h2', { id: 'events-title' }, 'Events'),
    el('ol', { id: 'events', class: 'events', 'aria-labelledby': 'events-title' }, ...events.slice(0, SHOWN).map((e) => {
      const p = e.properties ?? {};
      const severity = String(p.severity ?? 'Info');
      return el('li', { 'data-event': String(p.eventCode ?? ''), 'data-severity': severity },
        el('span', { class: `badge ${severity.toLowerCase()}` }, severity), ' ',
        el('time', { datetime: String(p.timeOfOccurrence ?? '') }, String(p.timeOfOccurrence ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')), ' ',
        el('strong', {}, String(p.eventCode ?? '')), ` ${p.affectedObjectFriendlyName ?? ''}: ${p.description ?? ''} `,
        jobLink(e),
        p.recommendedAction ? el('div', { class: 'action' }, `What to do: ${p.recommendedAction}`) : undefined);
    })),
  ];
}
