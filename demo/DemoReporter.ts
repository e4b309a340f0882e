/** One finished step: what it was, how long it took, and whether it worked. */
export interface StepRecord {
  title: string;
  ms: number;
  ok: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The demo's progress: one line when a step starts, indented lines for what happens inside
 * it, one line when it ends with its duration. Keeps the steps for the summary.
 */
export class DemoReporter {
  readonly steps: StepRecord[] = [];
  private readonly started = Date.now();
  private current?: string;

  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  /** Runs one step; a failure is recorded and rethrown with the step's title. */
  async step<T>(title: string, body: () => Promise<T>, result?: (value: T) => string): Promise<T> {
    const n = this.steps.length + 1;
    this.current = title;
    this.write(`[${this.clock()}] ${String(n).padStart(2)}. ${title}\n`);
    const t0 = Date.now();
    try {
      const value = await body();
      const ms = Date.now() - t0;
      this.steps.push({ title, ms, ok: true });
      const said = result?.(value);
      this.write(`           ok in ${seconds(ms)}${said ? `: ${said}` : ''}\n`);
      return value;
    } catch (err) {
      this.steps.push({ title, ms: Date.now() - t0, ok: false });
      throw err;
    } finally {
      this.current = undefined;
    }
  }

  /** A detail inside the current step. */
  note(line: string): void {
    for (const l of line.split('\n')) this.write(`           ${l}\n`);
  }

  /** A command a user would type to do the same by hand. */
  hint(command: string): void {
    this.write(`           $ ${command}\n`);
  }

  /** Free text outside any step (headers, the summary). */
  print(text = ''): void {
    this.write(`${text}\n`);
  }

  /** The step running now, if any (for a failure report). */
  get running(): string | undefined {
    return this.current;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  private clock(): string {
    const s = (Date.now() - this.started) / 1000;
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}`;
  }
}

export { seconds as formatSeconds };
