import { JobStepReporter, type JobTask } from '../../../cli/progress/JobStepReporter';

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function tasks(start: string, state: string, endS?: number): JobTask[] {
  return [
    { taskId: 'pre', friendlyName: 'Prerequisites check for test failover', state: 'Succeeded', stateDescription: 'Completed', startTime: at(0), endTime: at(1) },
    {
      taskId: 'g1', friendlyName: 'Group 1: Start virtual machines', state: state === 'Succeeded' ? 'Succeeded' : 'InProgress', stateDescription: '', startTime: start,
      ...(state === 'Succeeded' ? { endTime: at(endS!) } : {}),
      groupTaskCustomDetails: { childTasks: [{ taskId: 'vm', friendlyName: 'Start web01', state, stateDescription: '', startTime: start, ...(endS ? { endTime: at(endS) } : {}) }] },
    },
  ];
}

describe('the steps --wait prints while a job runs', () => {
  it('in a log: a line when a step starts, "still running" every interval for a long step, its duration when it ends', () => {
    const lines: string[] = [];
    let now = T0 + 2000;
    const r = new JobStepReporter({ line: (l) => lines.push(l), heartbeatSeconds: 30, now: () => now });
    r.update(tasks(at(1), 'InProgress'));
    for (const s of [10, 29, 31, 45, 61, 62]) {
      now = T0 + s * 1000;
      r.update(tasks(at(1), 'InProgress'));
    }
    now = T0 + 40_000;
    r.update(tasks(at(1), 'Succeeded', 40));
    expect(lines).toEqual([
      'start   Prerequisites check for test failover',
      'done    Prerequisites check for test failover (1.0 s)',
      'start   Group 1: Start virtual machines',
      'start   Start web01',
      'still running Start web01: 30 s',
      'still running Start web01: 60 s',
      'done    Start web01 (39.0 s)',
      'done    Group 1: Start virtual machines (39.0 s)',
    ]);
  });

  it('on a terminal: one live line with the running step and its elapsed time, cleared before a permanent line', () => {
    const lines: string[] = [];
    let live = '';
    let now = T0 + 5000;
    const r = new JobStepReporter({ line: (l) => lines.push(l), live: { write: (t) => { live += t; } }, now: () => now });
    r.update(tasks(at(1), 'InProgress'));
    expect(live.endsWith('\r\x1b[2Krunning Start web01 4 s')).toBe(true);
    now = T0 + 12_000;
    r.update(tasks(at(1), 'InProgress'));
    expect(live.endsWith('\r\x1b[2Krunning Start web01 11 s')).toBe(true);
    r.update(tasks(at(1), 'Succeeded', 12));
    r.close();
    expect(lines.slice(-2)).toEqual(['done    Start web01 (11.0 s)', 'done    Group 1: Start virtual machines (11.0 s)']);
    expect(lines.some((l) => l.startsWith('still running'))).toBe(false);
  });
});
