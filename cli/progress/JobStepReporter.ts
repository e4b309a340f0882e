/** A job task as the API shows it (ASR's `ASRTask`, the fields the CLI reads). */
export interface JobTask {
  taskId: string;
  friendlyName: string;
  state: string;
  stateDescription: string;
  startTime?: string;
  endTime?: string;
  groupTaskCustomDetails?: { childTasks: JobTask[] };
}

const DONE = ['Succeeded', 'Failed', 'Cancelled', 'Skipped'];

export interface JobStepReporterOptions {
  /** Writes one permanent line (no newline in it). */
  line: (text: string) => void;
  /** A terminal: the running steps are one live line, redrawn in place. */
  live?: { write: (text: string) => void };
  /** Seconds between "still running" lines for a long step when not on a terminal; default 30. */
  heartbeatSeconds?: number;
  now?: () => number;
}

export function flattenTasks(tasks: JobTask[]): JobTask[] {
  return tasks.flatMap((t) => [t, ...flattenTasks(t.groupTaskCustomDetails?.childTasks ?? [])]);
}

export function taskSeconds(t: JobTask): string {
  return t.startTime && t.endTime ? ` (${((Date.parse(t.endTime) - Date.parse(t.startTime)) / 1000).toFixed(1)} s)` : '';
}

/**
 * Turns successive snapshots of a job into what an operator watching `--wait` needs: a line
 * when a step starts, a line when it ends (with its duration), and for a step that runs long,
 * a "still running … 30 s" line every `heartbeatSeconds` (in a log), or one live line with the
 * running steps and their elapsed time, redrawn at each snapshot (on a terminal).
 */
export class JobStepReporter {
  private readonly shown = new Map<string, string>();
  private readonly beats = new Map<string, number>();
  private liveShown = false;

  constructor(private readonly options: JobStepReporterOptions) {}

  private elapsed(t: JobTask): number {
    const now = (this.options.now ?? Date.now)();
    return t.startTime ? Math.max(0, Math.floor((now - Date.parse(t.startTime)) / 1000)) : 0;
  }

  private print(text: string): void {
    if (this.liveShown) {
      this.options.live!.write('\r\x1b[2K');
      this.liveShown = false;
    }
    this.options.line(text);
  }

  /** Reports what changed since the last snapshot, in the order it happened. */
  update(tasks: JobTask[]): void {
    const all = flattenTasks(tasks);
    const depth = new Map<string, number>();
    const measure = (ts: JobTask[], d: number) => ts.forEach((t) => { depth.set(t.taskId, d); measure(t.groupTaskCustomDetails?.childTasks ?? [], d + 1); });
    measure(tasks, 0);
    // Starts at their start time (a group before its machines); ends at their end time (a machine before its group).
    const events: { time: number; rank: number; task: JobTask; end: boolean }[] = [];
    for (const t of all) {
      const ended = DONE.includes(t.state) || t.state === 'Suspended';
      if ((t.state === 'InProgress' || (ended && t.state !== 'Skipped')) && !this.shown.has(t.taskId)) {
        events.push({ time: Date.parse(t.startTime ?? '') || 0, rank: depth.get(t.taskId)!, task: t, end: false });
      }
      if (ended && this.shown.get(t.taskId) !== t.state) {
        events.push({ time: Date.parse(t.endTime ?? t.startTime ?? '') || 0, rank: 100 - depth.get(t.taskId)!, task: t, end: true });
      }
    }
    events.sort((a, b) => a.time - b.time || (a.task === b.task ? Number(a.end) - Number(b.end) : Number(b.end) - Number(a.end) || a.rank - b.rank));
    for (const { task: t, end } of events) {
      this.shown.set(t.taskId, t.state);
      if (!end) {
        this.print(`start   ${t.friendlyName}`);
        continue;
      }
      const mark = t.state === 'Succeeded' ? 'done   ' : t.state === 'Suspended' ? 'waiting' : t.state.toLowerCase().padEnd(7);
      this.print(`${mark} ${t.friendlyName}${taskSeconds(t)}${t.state !== 'Succeeded' ? ` - ${t.stateDescription}` : ''}`);
    }
    // The steps doing the work now: running, with no running step inside.
    const running = all.filter((t) => t.state === 'InProgress' && !(t.groupTaskCustomDetails?.childTasks ?? []).some((c) => c.state === 'InProgress'));
    if (this.options.live) {
      const text = running.map((t) => `${t.friendlyName} ${this.elapsed(t)} s`).join(' | ');
      this.options.live.write(`\r\x1b[2K${text ? `running ${text}` : ''}`);
      this.liveShown = !!text;
      return;
    }
    const every = this.options.heartbeatSeconds ?? 30;
    for (const t of running) {
      const s = this.elapsed(t);
      const next = (this.beats.get(t.taskId) ?? 0) + every;
      if (s >= next) {
        this.beats.set(t.taskId, Math.floor(s / every) * every);
        this.print(`still running ${t.friendlyName}: ${Math.floor(s / every) * every} s`);
      }
    }
  }

  /** Clears the live line before the final lines. */
  close(): void {
    if (this.liveShown) this.options.live!.write('\r\x1b[2K');
    this.liveShown = false;
  }
}
