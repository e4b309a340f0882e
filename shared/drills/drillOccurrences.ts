import { CronExpressionParser } from 'cron-parser';
import { ServiceError } from '../errors';

/** True when `zone` is an IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `expression` is not an NCRONTAB schedule with seconds (`{second} {minute} {hour} {day}
 * {month} {day-of-week}`, as Azure Functions timers take), or undefined when it is one.
 */
export function ncrontabProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== 6) return `'${expression}' has ${fields} field(s); NCRONTAB here needs 6: {second} {minute} {hour} {day} {month} {day-of-week}, e.g. '0 0 2 * * Sat'`;
  try {
    CronExpressionParser.parse(expression.trim(), { tz: 'UTC' }).next();
    return undefined;
  } catch (err) {
    return `'${expression}' is not a valid NCRONTAB expression: ${(err as Error).message.replace(/\.$/, '')}`;
  }
}

/**
 * The occurrences of a schedule in its time zone strictly after `after` and at or before
 * `until`, oldest first, at most `limit` (the newest `limit` are kept when there are more, and
 * `more` counts the ones left out). Daylight-saving gaps and repeats follow cron-parser.
 */
export function occurrencesBetween(expression: string, timeZone: string, after: Date, until: Date, limit: number): { times: Date[]; more: number } {
  let times: Date[] = [];
  let more = 0;
  try {
    const it = CronExpressionParser.parse(expression.trim(), { tz: timeZone, currentDate: after, endDate: until });
    while (it.hasNext()) {
      const t = it.next().toDate();
      if (t.getTime() <= after.getTime()) continue;
      if (t.getTime() > until.getTime()) break;
      times.push(t);
      if (times.length > limit) {
        times = times.slice(1);
        more++;
      }
    }
  } catch (err) {
    throw new ServiceError('InvalidRequestBody', `schedule '${expression}' (${timeZone}): ${(err as Error).message}`);
  }
  return { times, more };
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(expression: string, timeZone: string, after: Date): Date {
  return CronExpressionParser.parse(expression.trim(), { tz: timeZone, currentDate: after }).next().toDate();
}
