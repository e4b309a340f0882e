import { completedTaskId, HistoryEvent, isSchedulingEvent } from '../history/HistoryEvent';
import { WireRetryOptions } from '../actions/OrchestratorAction';
import { RecordedEvent } from './RecordedEvent';

/** What the host knows about a retry group (one `*WithRetry` task). */
export interface RetryGroup {
  options: WireRetryOptions;
  /** The scheduling event of the first attempt (copied for every further attempt). */
  first: HistoryEvent;
  /** Attempts scheduled so far. */
  attempts: number;
}

/**
 * Facts derived from one execution's recorded history: which task ids exist, which are
 * done, which belong to retry groups, and the next free id. Pure; rebuilt every episode.
 */
export interface ExecutionBook {
  nextId: number;
  /** Scheduling event per task id. */
  scheduled: Map<number, HistoryEvent>;
  /** Task ids whose completion (or timer firing) is recorded. */
  completed: Set<number>;
  /** Ids handed out because an action was yielded (not by the retry machinery), in order. */
  primaryIds: number[];
  /** Retry role per task id (attempt or retry timer) and the group it belongs to. */
  retryRole: Map<number, { group: number; attempt: number; role: 'attempt' | 'timer' }>;
  groups: Map<number, RetryGroup>;
  messageIds: Set<string>;
  started: boolean;
}

export function readExecutionBook(past: RecordedEvent[]): ExecutionBook {
  const book: ExecutionBook = {
    nextId: 0, scheduled: new Map(), completed: new Set(), primaryIds: [], retryRole: new Map(),
    groups: new Map(), messageIds: new Set(), started: false,
  };
  for (const { event, meta } of past) {
    if (meta?.messageId) book.messageIds.add(meta.messageId);
    if (event.EventType === 0) book.started = true;
    if (isSchedulingEvent(event)) {
      book.scheduled.set(event.EventId, event);
      book.nextId = Math.max(book.nextId, event.EventId + 1);
      const retry = meta?.retry;
      if (retry) {
        book.retryRole.set(event.EventId, { group: retry.group, attempt: retry.attempt, role: retry.role });
        if (retry.role === 'attempt' && retry.attempt === 1) {
          book.groups.set(retry.group, { options: retry.options!, first: event, attempts: 1 });
        } else if (retry.role === 'attempt') {
          book.groups.get(retry.group)!.attempts = retry.attempt;
        }
      }
      if (!retry || (retry.role === 'attempt' && retry.attempt === 1)) book.primaryIds.push(event.EventId);
    }
    const done = completedTaskId(event);
    if (done !== undefined) book.completed.add(done);
  }
  return book;
}
