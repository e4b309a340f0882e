/**
 * Polls a queue: immediately again while work arrives, backing off (doubling up to
 * `maxIdleMs`) while it is empty, and at once when nudged (the host itself just posted work).
 */
export class QueuePoller {
  private running = false;
  private wake?: () => void;
  /** A nudge that came while polling: the next sleep is skipped, so no posted work waits. */
  private nudged = false;
  private loop?: Promise<void>;

  constructor(
    private readonly name: string,
    /** Fetches and dispatches up to `max` messages; returns how many it got. */
    private readonly poll: (max: number) => Promise<number>,
    /** How many more messages the dispatcher can hold now. */
    private readonly capacity: () => number,
    private readonly maxIdleMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  nudge(): void {
    this.nudged = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    let idle = 0;
    while (this.running) {
      const room = this.capacity();
      if (room <= 0) { await this.sleep(this.maxIdleMs); continue; }
      let got = 0;
      try { got = await this.poll(room); } catch (e) { this.onError(e); idle = this.maxIdleMs; }
      if (got > 0) { idle = 0; continue; }
      idle = Math.min(this.maxIdleMs, Math.max(10, idle * 2));
      await this.sleep(idle);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.nudged = false; resolve(); };
    });
  }

  toString(): string {
    return `QueuePoller(${this.name})`;
  }
}
