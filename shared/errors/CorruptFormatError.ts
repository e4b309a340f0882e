import { ServiceError } from './ServiceError';

/** Where in a binary structure a check failed, and what was expected there. */
export interface FormatErrorLocation {
  /** The on-disk structure, e.g. `VHD footer`, `HRL record header`. */
  structure: string;
  /** The field inside it, e.g. `checksum`. */
  field: string;
  /** Absolute byte offset of the field in the file or stream. */
  offset: number;
  expected?: string | number | bigint;
  actual?: string | number | bigint;
}

function describe(kind: string, loc: FormatErrorLocation, reason?: string): string {
  const parts = [`${kind}: ${loc.structure} ${loc.field} at offset ${loc.offset}`];
  if (loc.expected !== undefined) parts.push(`expected ${String(loc.expected)}`);
  if (loc.actual !== undefined) parts.push(`found ${String(loc.actual)}`);
  return parts.join(', ') + (reason ? ` (${reason})` : '');
}

/** The input breaks its format's rules: it is damaged, truncated or not what it claims to be. */
export class CorruptFormatError extends ServiceError {
  readonly location: FormatErrorLocation;
  constructor(loc: FormatErrorLocation, reason?: string, cause?: unknown) {
    super('CorruptFormat', describe('corrupt', loc, reason), { cause, details: { ...loc } });
    this.location = loc;
  }
}

/** The input is valid but uses a feature this service does not read (e.g. a differencing disk). */
export class UnsupportedFormatError extends ServiceError {
  readonly location: FormatErrorLocation;
  constructor(loc: FormatErrorLocation, reason?: string, cause?: unknown) {
    super('UnsupportedFormat', describe('unsupported', loc, reason), { cause, details: { ...loc } });
    this.location = loc;
  }
}
