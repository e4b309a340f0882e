import { escapeHtml } from './escapeHtml';
import type { JobReport } from './JobReport';
import { reportTables } from './reportTables';

/** Styles inline: the page is one self-contained file (no script, no external asset). */
const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:2em}
th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top;white-space:pre-wrap}th{background:#eee}
.Passed{color:#060;font-weight:bold}.Failed{color:#a00;font-weight:bold}.InProgress{color:#a60;font-weight:bold}`;

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return escapeHtml(String(v));
}

/**
 * The report as one HTML page: every value escaped, inline CSS, no script and no link to
 * anything, with a Content-Security-Policy meta that forbids both should a value ever slip
 * through. Safe to mail to an auditor or open from disk.
 */
export function renderJobReportHtml(r: JobReport): string {
  const sections = reportTables(r).map((t) => `<h2>${escapeHtml(t.title)}</h2>\n<table>\n<thead><tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>\n<tbody>\n${
    t.rows.map((row) => `<tr>${row.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('\n')}\n</tbody>\n</table>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`${r.job.scenario} of ${r.target.name}: ${r.outcome}`)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(`${r.job.scenario} of ${r.target.name}`)}: <span class="${escapeHtml(r.outcome)}">${escapeHtml(r.outcome)}</span></h1>
<p>Job ${escapeHtml(r.job.name)}, requested ${escapeHtml(r.rto.requestedAt)}.</p>
${sections.join('\n')}
</body></html>
`;
}
