import { randomUUID } from 'node:crypto';
import { resolveSettingExpressions } from '../core/HostConfig';
import { fromTypedData, TypedData } from '../core/TypedData';

/** A `{name}` in a binding path has no value for this invocation: the invocation fails, as in Azure. */
export class BindingExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BindingExpressionError';
  }
}

/**
 * The values `{…}` expressions in binding properties resolve to for one invocation, looked up
 * case-insensitively as the host does: trigger metadata (`queueTrigger`, a blob path's `{name}`,
 * route parameters…) and the properties of a JSON trigger payload (queue message, HTTP body).
 */
export class BindingData {
  private values?: Map<string, unknown>;

  private constructor(
    private readonly functionName: string,
    private readonly triggerMetadata: Record<string, TypedData>,
    private readonly triggerData: TypedData | undefined,
  ) {}

  /** Nothing is decoded until a binding has an expression to resolve (most invocations have none). */
  static fromInvocation(functionName: string, triggerMetadata: Record<string, TypedData> | undefined, triggerData: TypedData | undefined): BindingData {
    return new BindingData(functionName, triggerMetadata ?? {}, triggerData);
  }

  private lookupTable(): Map<string, unknown> {
    if (this.values) return this.values;
    const values = new Map<string, unknown>();
    const set = (k: string, v: unknown) => values.set(k.toLowerCase(), v);
    const http = this.triggerData?.http;
    const payload = http ? fromTypedData(http.body?.bytes ? { string: Buffer.from(http.body.bytes).toString('utf8') } : http.body) : fromTypedData(this.triggerData);
    // Payload first: the trigger's own metadata wins on a clash, as in the host.
    if (isPlainObject(payload)) for (const [k, v] of Object.entries(payload)) set(k, v);
    if (http?.query) for (const [k, v] of Object.entries(http.query)) set(k, v);
    // Metadata strings stay text: {queueTrigger} is the message as sent, even when it is JSON.
    for (const [k, v] of Object.entries(this.triggerMetadata)) set(k, v.string ?? fromTypedData(v));
    this.values = values;
    return values;
  }

  /**
   * Resolves `%Setting%` and `{expression}` in one binding property. Built-ins: `{rand-guid}`,
   * `{sys.randguid}`, `{DateTime}` (UTC, `2026-12-05T07-10-00Z`, safe in blob names),
   * `{sys.utcnow}` (ISO 8601), `{sys.methodname}`; dotted names walk into JSON (`{data.vm}`).
   */
  resolve(template: string, settings: NodeJS.ProcessEnv, where: string): string {
    const withSettings = resolveSettingExpressions(template, settings, where);
    return withSettings.replace(/\{([^{}]+)\}/g, (_, raw: string) => this.lookup(raw.trim(), where));
  }

  private lookup(expression: string, where: string): string {
    const key = expression.toLowerCase();
    if (key === 'rand-guid' || key === 'sys.randguid') return randomUUID();
    const formatted = /^(datetime|sys\.utcnow):(.+)$/i.exec(expression);
    if (formatted) return formatUtc(new Date(), formatted[2]);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (key === 'datetime') return now.replace(/:/g, '-');
    if (key === 'sys.utcnow') return now;
    if (key === 'sys.methodname') return this.functionName;
    const [head, ...path] = key.split('.');
    let value: unknown = this.lookupTable().get(head);
    for (const part of path) {
      if (!isPlainObject(value)) { value = undefined; break; }
      const entry = Object.entries(value).find(([k]) => k.toLowerCase() === part);
      value = entry?.[1];
    }
    if (value === undefined || value === null || typeof value === 'object') {
      throw new BindingExpressionError(`${where}: no value for {${expression}} in this invocation (it must name trigger metadata, a property of the JSON trigger payload, or a built-in such as {rand-guid} or {DateTime}).`);
    }
    return String(value);
  }
}

/**
 * `{DateTime:format}`: the .NET custom date format specifiers apps use in blob paths (yyyy yy MM
 * M dd d HH H hh h mm m ss s fff ff f tt, 'quoted' literals), in UTC; other characters as they are.
 */
function formatUtc(d: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const h12 = d.getUTCHours() % 12 || 12;
  const tokens: Record<string, () => string> = {
    yyyy: () => pad(d.getUTCFullYear(), 4), yy: () => pad(d.getUTCFullYear() % 100),
    MM: () => pad(d.getUTCMonth() + 1), M: () => String(d.getUTCMonth() + 1),
    dd: () => pad(d.getUTCDate()), d: () => String(d.getUTCDate()),
    HH: () => pad(d.getUTCHours()), H: () => String(d.getUTCHours()),
    hh: () => pad(h12), h: () => String(h12),
    mm: () => pad(d.getUTCMinutes()), m: () => String(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()), s: () => String(d.getUTCSeconds()),
    fff: () => pad(d.getUTCMilliseconds(), 3), ff: () => pad(Math.floor(d.getUTCMilliseconds() / 10)), f: () => String(Math.floor(d.getUTCMilliseconds() / 100)),
    tt: () => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  };
  return format.replace(/yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|fff|ff|f|tt|'[^']*'/g, (t) => (t.startsWith("'") ? t.slice(1, -1) : tokens[t]()));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}
