import { HistoryEvent } from '../history/HistoryEvent';

/**
 * The orchestration trigger's data (DEVHOST.md §3): schema V4 (`upperSchemaVersionNew` 3: entity locks, which durable-functions 3.x needs for `context.df.lock`) and a
 * maximumShortTimerDuration of a century, so the library never splits timers into long-timer
 * chains (the host's timers have no length limit).
 */
export function orchestrationInput(args: {
  instanceId: string; history: HistoryEvent[]; input: unknown; parentInstanceId?: string; isReplaying: boolean;
}): Record<string, unknown> {
  return {
    history: args.history,
    input: args.input,
    instanceId: args.instanceId,
    isReplaying: args.isReplaying,
    parentInstanceId: args.parentInstanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '36500.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}
