/**
 * Waiting in tests: for a condition, never for a fixed time. A fixed sleep is either too short
 * on a loaded machine (a flaky failure) or too long everywhere else (a slow suite), and when it
 * is too short the failure does not say what was missing.
 */

export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Look again after this long (default 100 ms). */
  intervalMs?: number;
  /** What is waited for, for the failure message: "the merge to reach log 5". */
  describe: string | (() => string);
}

const text = (d: string | (() => string)) => (typeof d === 'function' ? d() : d);
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `condition` until it returns a truthy value, and returns that value. A throw counts as
 * "not yet" (a server still starting refuses connections); the last one is quoted if time runs
 * out. Fails with `timed out after N ms waiting for <describe>`.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started >= timeoutMs) {
      const why = lastError === undefined ? '' : `; last attempt threw: ${(lastError as Error).message ?? String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${text(options.describe)}${why}`);
    }
    await pause(intervalMs);
  }
}

export interface StaysTrueOptions {
  /** How long the condition must hold. */
  forMs: number;
  /** Look again after this long (default 250 ms). */
  intervalMs?: number;
  /** What must stay true, for the failure message: "the lease stays held". */
  describe: string | (() => string);
}

/**
 * For tests that assert that something does NOT happen (a lease is not lost, a timer does not
 * fire again): there is no event to wait for, so the only honest test is to watch for a bounded
 * time. Checks `condition` every `intervalMs` for `forMs` and fails at the first false (or
 * throw), saying what stopped holding and when. The bound is the claim being tested (e.g. "past
 * the lease's 15 s duration"), not a guess at how long something takes.
 */
export async function assertStaysTrue(condition: () => boolean | Promise<boolean>, options: StaysTrueOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? 250;
  const started = Date.now();
  for (;;) {
    let ok: boolean;
    let why = '';
    try {
      ok = await condition();
    } catch (err) {
      ok = false;
      why = `: ${(err as Error).message ?? String(err)}`;
    }
    const elapsed = Date.now() - started;
    if (!ok) throw new Error(`expected ${text(options.describe)} for ${options.forMs} ms, but it stopped holding after ${elapsed} ms${why}`);
    if (elapsed >= options.forMs) return;
    await pause(Math.min(intervalMs, options.forMs - elapsed));
  }
}
