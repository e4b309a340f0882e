import { existsSync, readFileSync } from 'node:fs';

/** One line a fixture handler appended to its FIXTURE_RECORD_FILE. */
export type TriggerRecord = Record<string, unknown> & { fn: string; at: number };

/** Everything the fixture handlers recorded so far (optionally only one function's). */
export function readRecords(file: string, fn?: string): TriggerRecord[] {
  if (!existsSync(file)) return [];
  const records = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TriggerRecord);
  return fn ? records.filter((r) => r.fn === fn) : records;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
