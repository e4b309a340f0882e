import ExcelJS from 'exceljs';
import type { JobReport } from './JobReport';
import { reportTables } from './reportTables';

/**
 * The report as an Excel workbook (exceljs): sheets Summary, Machines, Steps, Approvals and
 * Errors, a bold frozen header row each. Numbers stay numbers (RPO, RTO, durations) so an auditor
 * can sum and chart them; times stay ISO text (UTC, unambiguous).
 */
export async function renderJobReportXlsx(r: JobReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Site Recovery Functions';
  book.created = new Date(r.generatedAt);
  for (const t of reportTables(r)) {
    const sheet = book.addWorksheet(t.title, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.addRow(t.columns).font = { bold: true };
    for (const row of t.rows) sheet.addRow(row.map((v) => (v === undefined ? null : v)));
    sheet.columns.forEach((c, i) => { c.width = Math.min(60, Math.max(10, t.columns[i].length + 2, ...t.rows.map((row) => String(row[i] ?? '').length + 2))); });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
