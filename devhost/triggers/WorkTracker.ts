/** How long stop() waits for running invocations before the host exits anyway. */
export const STOP_GRACE_MS = 10000;

/**
 * The lifecycle every polling trigger shares: a stop flag, sleeps that end early on stop,
 * a bound on concurrent invocations, and a stop() that waits for running ones (bounded).
 */
export class WorkTracker {
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private readonly slotWaiters = new Set<() => void>();

  get stopping(): boolean {
    return this.stopped;
  }

  get inflight(): number {
    return this.running.size;
  }

  /** Runs `work` as a tracked invocation; the returned promise never rejects (work logs its own failures). */
  track(work: () => Promise<void>): Promise<void> {
    const p: Promise<void> = work().catch(() => undefined).finally(() => {
      this.running.delete(p);
      for (const w of [...this.slotWaiters]) w();
    });
    this.running.add(p);
    return p;
  }

  /** Resolves once fewer than `limit` invocations run (or on stop). */
  async whenBelow(limit: number): Promise<void> {
    while (!this.stopped && this.running.size >= limit) {
      await new Promise<void>((resolve) => {
        const done = () => { this.slotWaiters.delete(done); this.sleepers.delete(done); resolve(); };
        this.slotWaiters.add(done);
        this.sleepers.add(done);
      });
    }
  }

  /** Waits `ms`, or less when stop() is called. */
  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      // setTimeout holds at most ~24.8 days; longer waits are re-armed by the caller's loop.
      const timer = setTimeout(done, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
      this.sleepers.add(done);
    });
  }

  /** Stops new work and waits up to `timeoutMs` for running invocations. Returns how many still run. */
  async stop(timeoutMs: number): Promise<number> {
    this.stopped = true;
    for (const w of [...this.sleepers]) w();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); });
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    clearTimeout(timer);
    return this.running.size;
  }
}
