import { writeFileSync } from 'node:fs';
import type { AsrApiClient } from '../api/AsrApiClient';
import { invalidArgument } from '../api/runCommand';

/** The flags every report command takes. */
export interface ReportFlags {
  format: string;
  out?: string;
  json?: boolean;
}

/**
 * Downloads a report route (`…/report`) in the asked format and writes it to `--out` (or to
 * standard output; a workbook must go to a file). Shared by `asr job report` and `asr drill report`.
 */
export async function downloadReport(client: AsrApiClient, reportPath: string, opts: ReportFlags): Promise<void> {
  const format = opts.json ? 'json' : opts.format.toLowerCase();
  if (!['xlsx', 'html', 'json'].includes(format)) throw invalidArgument(`--format must be xlsx, html or json, not '${opts.format}'`);
  if (format === 'xlsx' && !opts.out) throw invalidArgument('--format xlsx needs --out <file.xlsx>: a workbook is not for a terminal');
  const bytes = await client.download(`${reportPath}?format=${format}`);
  if (opts.out) {
    writeFileSync(opts.out, bytes);
    process.stdout.write(`wrote ${opts.out} (${bytes.length} bytes)\n`);
  } else {
    process.stdout.write(bytes);
  }
}
