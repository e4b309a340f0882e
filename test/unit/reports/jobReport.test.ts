import ExcelJS from 'exceljs';
import { buildJobReport, renderJobReportHtml, renderJobReportXlsx } from '../../../shared/reports';
import { HOSTILE, testFailoverJob } from './testFailoverJob';

describe('job report (pure builder, Excel and HTML renderers)', () => {
  const now = new Date('2026-11-22T02:00:00.000Z');

  it('holds plan, point, RPO per machine, RTO to the last probe passed, steps with durations and who approved', () => {
    const r = buildJobReport(testFailoverJob(), { now });
    expect(r.outcome).toBe('Passed');
    expect(r.target.name).toBe(HOSTILE);
    expect(r.point).toEqual({ requested: 'Latest', time: '2026-11-22T01:09:00.000Z' });
    // RPO: request (01:10:00) − the oldest disk point of the machine (data disk, 01:09:00).
    expect(r.machines.map((m) => [m.item, m.rpoSeconds, m.upAt])).toEqual([['web', 60, '2026-11-22T01:10:30.000Z'], ['db', 60, '2026-11-22T01:10:40.000Z']]);
    expect(r.rto).toEqual({ requestedAt: '2026-11-22T01:10:00.000Z', lastMachineUpAt: '2026-11-22T01:10:40.000Z', lastProbePassedAt: '2026-11-22T01:10:39.500Z', seconds: 39.5, measuredTo: 'lastProbePassed' });
    expect(r.steps.find((s) => s.taskId === 'g2')).toMatchObject({ durationSeconds: 39, state: 'Succeeded' });
    expect(r.steps.find((s) => s.taskId === 'g2-m0')).toMatchObject({ parent: 'g2', durationSeconds: 29 });
    expect(r.approvals).toEqual([{ taskId: 'g2-end0', action: 'check-app', instructions: 'Check the order page', state: 'Succeeded', comment: HOSTILE, approvedBy: 'alice (Alice)', at: '2026-11-22T01:12:00.000Z' }]);
    expect(r.errors).toEqual([]);
  });

  it('fails on a failed probe and lists errors with their recommended action once', () => {
    const doc = testFailoverJob();
    const g = doc.properties.tasks[1].groupTaskCustomDetails!.childTasks[1];
    (g.customDetails!.probes as { ok: boolean }[])[0].ok = false;
    g.state = 'Failed';
    const err = { serviceErrorDetails: { code: 'MachineUnhealthy', message: 'db failed its probe', possibleCauses: 'bad disk', recommendedAction: 'fail over from another point' }, taskId: 'g2-m1', creationTime: '2026-11-22T01:10:40.000Z' };
    g.errors = [err];
    doc.properties.state = 'Failed';
    doc.properties.errors = [err];
    const r = buildJobReport(doc, { now });
    expect(r.outcome).toBe('Failed');
    expect(r.rto.seconds).toBeUndefined();
    expect(r.errors).toEqual([{ taskId: 'g2-m1', code: 'MachineUnhealthy', message: 'db failed its probe', possibleCauses: 'bad disk', recommendedAction: 'fail over from another point', at: '2026-11-22T01:10:40.000Z' }]);
  });

  it('renders a workbook exceljs reads back, with the five sheets and the numbers', async () => {
    const r = buildJobReport(testFailoverJob(), { now, drill: { id: 'drill-7', trigger: 'Schedule', checks: [] } });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await renderJobReportXlsx(r) as never);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Summary', 'Machines', 'Steps', 'Approvals', 'Errors', 'Drill checks']);
    const summary = new Map<string, unknown>();
    book.getWorksheet('Summary')!.eachRow((row) => summary.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(summary.get('Result')).toBe('Passed');
    expect(summary.get('RTO (s)')).toBe(39.5);
    expect(summary.get('Worst RPO (s)')).toBe(60);
    expect(summary.get('Drill')).toBe('drill-7');
    const machines = book.getWorksheet('Machines')!;
    expect(machines.getRow(2).getCell(5).value).toBe(60);
    expect(machines.getRow(2).getCell(9).value).toBe(true);
    expect(book.getWorksheet('Approvals')!.getRow(2).getCell(5).value).toBe('alice (Alice)');
    expect(book.getWorksheet('Approvals')!.getRow(2).getCell(7).value).toBe(HOSTILE);
  });

  it('renders self-contained HTML that escapes hostile names and comments', () => {
    const html = renderJobReportHtml(buildJobReport(testFailoverJob(), { now }));
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).toContain('39.5');
    expect(html).toContain('alice (Alice)');
    expect(html).toContain("default-src 'none'");
  });
});
