import { TimerSchedule } from '../../../devhost/triggers/TimerSchedule';

const at = (iso: string) => new Date(iso);

describe('timer schedules (NCRONTAB 6/5 fields, TimeSpan), UTC', () => {
  it('reads 6 fields with seconds first', () => {
    const s = TimerSchedule.parse('*/15 * * * * *', 'f');
    expect(s.next(at('2026-03-01T10:00:07Z')).toISOString()).toBe('2026-03-01T10:00:15.000Z');
  });

  it('reads 5 fields as minutes first', () => {
    const s = TimerSchedule.parse('*/5 * * * *', 'f');
    expect(s.next(at('2026-03-01T10:01:30Z')).toISOString()).toBe('2026-03-01T10:05:00.000Z');
  });

  it('honours day-of-week names in UTC', () => {
    const s = TimerSchedule.parse('0 30 9 * * Mon-Fri', 'f');
    // 2026-03-07 is a Saturday: the next run is Monday 09:30 UTC.
    expect(s.next(at('2026-03-06T10:00:00Z')).toISOString()).toBe('2026-03-09T09:30:00.000Z');
  });

  it('reads a TimeSpan as "every"', () => {
    expect(TimerSchedule.parse('00:00:05', 'f').next(at('2026-03-01T10:00:00.250Z')).toISOString()).toBe('2026-03-01T10:00:05.250Z');
    expect(TimerSchedule.parse('1.02:00:00', 'f').next(at('2026-03-01T10:00:00Z')).toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });

  it('knows its own occurrences (to notice a changed schedule)', () => {
    const s = TimerSchedule.parse('0 0 * * * *', 'f');
    expect(s.isOccurrence(at('2026-03-01T10:00:00Z'))).toBe(true);
    expect(s.isOccurrence(at('2026-03-01T10:00:01Z'))).toBe(false);
  });

  it.each([
    ['0 0 25 * * *', /invalid timer schedule "0 0 25 \* \* \*".*0-23/],
    ['* * *', /it has 3 field\(s\), NCRONTAB needs 6 \(or 5\)/],
    ['0 0 0 1 1 * 2030', /it has 7 field\(s\)/],
    ['00:00:00', /interval must be longer than zero/],
    ['every day', /"every day"/],
  ])('refuses %p naming the function', (expr, message) => {
    expect(() => TimerSchedule.parse(expr, 'nightly')).toThrow(message);
    expect(() => TimerSchedule.parse(expr, 'nightly')).toThrow(/^Function "nightly" has an invalid timer schedule/);
  });
});
