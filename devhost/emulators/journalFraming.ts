import { crc32c } from '@node-rs/crc32';
import { CorruptFormatError } from '../../shared/errors';

/**
 * One journal line: `<crc32c of the JSON, 8 hex digits> <JSON>\n`. JSON.stringify never emits a
 * raw newline, so a line is a record; the checksum tells a torn or damaged line from a good one.
 */
export function frameRecord(record: unknown): string {
  const json = JSON.stringify(record);
  return `${crc32c(Buffer.from(json, 'utf8')).toString(16).padStart(8, '0')} ${json}\n`;
}

/** What a journal or snapshot file holds. */
export interface ParsedJournal {
  records: unknown[];
  /** Bytes of the file that hold good records; everything after is a torn tail. */
  validBytes: number;
  /** True when bytes after the last good record were found (a write cut short by a crash). */
  tornTail: boolean;
}

function parseLine(line: string): unknown | undefined {
  const m = /^([0-9a-f]{8}) (.*)$/s.exec(line);
  if (!m) return undefined;
  if (crc32c(Buffer.from(m[2], 'utf8')) !== parseInt(m[1], 16)) return undefined;
  try {
    return JSON.parse(m[2]);
  } catch {
    return undefined;
  }
}

/**
 * Reads framed records. A bad line followed only by bad or partial lines is a torn tail (the
 * crash happened before that write was acknowledged); a bad line followed by a good one is
 * damage inside acknowledged data and raises CorruptFormatError.
 */
export function parseFramedRecords(buf: Buffer, fileName: string): ParsedJournal {
  const records: unknown[] = [];
  let offset = 0;
  let badAt = -1;
  while (offset < buf.length) {
    const nl = buf.indexOf(0x0a, offset);
    const end = nl < 0 ? buf.length : nl;
    const parsed = nl < 0 ? undefined : parseLine(buf.toString('utf8', offset, end));
    if (parsed === undefined) {
      if (badAt < 0) badAt = offset;
    } else if (badAt >= 0) {
      throw new CorruptFormatError(
        { structure: `cosmos journal ${fileName}`, field: 'record checksum', offset: badAt },
        'a damaged record is followed by good ones; restore the data directory from a backup or delete it',
      );
    } else {
      records.push(parsed);
    }
    offset = end + 1;
  }
  const validBytes = badAt < 0 ? buf.length : badAt;
  return { records, validBytes, tornTail: badAt >= 0 };
}
