// Job reports (docs/reports.md) as downloads: Excel, HTML and JSON of a failover, failback or test
// failover job, on a finished job's page and for each drill run. Reader may download. The file is
// fetched with the session's token and handed to the browser as a blob (api.ts, download()).
import { download, vaultPath } from './api.js';
import { el, showStatus } from './dom.js';

const FORMATS = [['xlsx', 'Excel'], ['html', 'HTML'], ['json', 'JSON']] as const;

/** The jobs a report is made of (shared/arm/reportRoutes.ts refuses the others). */
export const REPORTED_SCENARIOS = new Set(['TestFailover', 'PlannedFailover', 'UnplannedFailover', 'Failback']);

/** One button per format; `what` names the job in each button's accessible name ("the drill run of …"). */
export function reportButtons(vault: string, job: string, what: string): HTMLElement {
  const path = `${vaultPath(vault)}/replicationJobs/${encodeURIComponent(job)}/report`;
  return el('span', { class: 'downloads', role: 'group', 'aria-label': `Report of ${what}` },
    ...FORMATS.map(([format, label]) => el('button', {
      type: 'button', class: 'small', 'data-report': format, 'aria-label': `Download the report of ${what} (${label})`,
      click: () => {
        void download(path, { format }, `${job}-report.${format}`)
          .then(() => showStatus(`The report of ${what} was downloaded (${label}).`))
          .catch((e: Error) => showStatus(`The report could not be downloaded: ${e.message}`));
      },
    }, label)));
}
