import { CronExpressionParser } from 'cron-parser';
import { parseTimeSpan } from '../core/HostConfig';
import { HostStartupError } from '../core/HostStartupError';

/**
 * A timer trigger schedule, in UTC: NCRONTAB with 6 fields (seconds first) or 5 (minutes
 * first), parsed by cron-parser, or a TimeSpan `hh:mm:ss` / `d.hh:mm:ss` meaning "every".
 */
export class TimerSchedule {
  private constructor(
    readonly expression: string,
    private readonly nextAfter: (after: Date) => Date,
    private readonly isInterval = false,
  ) {}

  /** Parses a schedule whose %Setting% expressions are already resolved. */
  static parse(expression: string, functionName: string): TimerSchedule {
    const text = expression.trim();
    const bad = (why: string) => new HostStartupError(
      `Function "${functionName}" has an invalid timer schedule "${expression}": ${why}. Use NCRONTAB "{second} {minute} {hour} {day} {month} {day-of-week}" (e.g. "0 */5 * * * *") or a time span "hh:mm:ss".`);
    if (text.includes(':')) {
      let ms: number;
      try { ms = parseTimeSpan(text); } catch { throw bad('not a time span'); }
      if (ms <= 0) throw bad('the interval must be longer than zero');
      return new TimerSchedule(text, (after) => new Date(after.getTime() + ms), true);
    }
    const fields = text.split(/\s+/).length;
    if (fields !== 5 && fields !== 6) throw bad(`it has ${fields} field(s), NCRONTAB needs 6 (or 5)`);
    try {
      CronExpressionParser.parse(text, { tz: 'UTC' }).next();
    } catch (e) {
      throw bad((e as Error).message.replace(/\.$/, ''));
    }
    return new TimerSchedule(text, (after) => CronExpressionParser.parse(text, { tz: 'UTC', currentDate: after }).next().toDate());
  }

  /** True when `time` is an occurrence of this schedule (any time is, for an interval). */
  isOccurrence(time: Date): boolean {
    return this.isInterval || this.next(new Date(time.getTime() - 1)).getTime() === time.getTime();
  }

  /** The first occurrence strictly after `after`. */
  next(after: Date): Date {
    return this.nextAfter(after);
  }
}
