import { HostStartupError } from '../core/HostStartupError';

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
  constraint?: string;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/, long: /^-?\d+$/, bool: /^(true|false)$/i, alpha: /^[a-z]+$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  double: /^-?\d+(\.\d+)?$/, float: /^-?\d+(\.\d+)?$/, datetime: /^\d{4}-\d{2}-\d{2}/,
};

/**
 * An ASP.NET-style route template as Functions uses them: literal segments (case-insensitive),
 * `{name}`, `{name?}`, `{name:constraint}`, and a final `{*name}` catch-all.
 */
export class RouteTemplate {
  private readonly segments: Segment[];

  constructor(readonly template: string) {
    const parts = template.split('/').filter((p) => p !== '');
    this.segments = parts.map((p, i) => {
      const m = /^\{(\*)?([A-Za-z_][\w]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?\}$/.exec(p);
      if (!m) {
        if (/[{}]/.test(p)) throw new HostStartupError(`Route "${template}": segment "${p}" is not a valid template segment; use {name}, {name?} or {*name}.`);
        return { literal: decodeURIComponent(p).toLowerCase() };
      }
      const [, star, name, constraint, optional] = m;
      if (star && i !== parts.length - 1) throw new HostStartupError(`Route "${template}": the catch-all {*${name}} must be the last segment.`);
      return { param: name, catchAll: !!star, optional: !!optional || !!star, constraint: constraint?.toLowerCase() };
    });
  }

  /** Higher sorts first: literal segments beat parameters, catch-alls come last. */
  get precedence(): number {
    return this.segments.reduce((acc, s, i) => acc + (s.literal !== undefined ? 3 : s.catchAll ? 0 : s.constraint ? 2 : 1) * Math.pow(4, 16 - i), 0);
  }

  /** Route values when `path` (no query, no prefix) matches, else undefined. */
  match(path: string): Record<string, string> | undefined {
    // split + filter drops empty segments (leading, trailing and doubled slashes) in one linear
    // pass; a trimming regex like /\/+$/ retries at every slash of a run and was quadratic.
    const parts = path.split('/').filter((p) => p !== '');
    const values: Record<string, string> = {};
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const part = parts[i];
      if (seg.catchAll) {
        const rest = parts.slice(i).map(safeDecode).join('/');
        if (rest) values[seg.param!] = rest;
        return values;
      }
      if (part === undefined) {
        if (seg.optional) continue;
        return undefined;
      }
      const decoded = safeDecode(part);
      if (seg.literal !== undefined) {
        if (decoded.toLowerCase() !== seg.literal) return undefined;
      } else {
        const c = seg.constraint ? CONSTRAINTS[seg.constraint] : undefined;
        if (c && !c.test(decoded)) return undefined;
        values[seg.param!] = decoded;
      }
    }
    return parts.length > this.segments.length ? undefined : values;
  }
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
