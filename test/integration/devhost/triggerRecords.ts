import { existsSync, readFileSync } from 'node:fs';
import { waitFor as waitForCondition } from '../../support/waitFor';

/** One line a fixture handler appended to its FIXTURE_RECORD_FILE. */
export type TriggerRecord = Record<string, unknown> & { fn: string; at: number };

/** Everything the fixture handlers recorded so far (optionally only one function's). */
export function readRecords(file: string, fn?: string): TriggerRecord[] {
  if (!existsSync(file)) return [];
  const records = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TriggerRecord);
  return fn ? records.filter((r) => r.fn === fn) : records;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` saying `what` it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  return (await waitForCondition(check, { timeoutMs, describe: what })) as T;
}
