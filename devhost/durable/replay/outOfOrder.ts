import { completedTaskId } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { ControlMessage } from '../store/QueueMessages';
import { ExecutionBook } from './ExecutionBook';

/** What clients send: it goes to whichever execution is current, so it is never early. */
export const CLIENT_EVENTS = new Set([HistoryEventType.EventRaised, HistoryEventType.ExecutionTerminated, HistoryEventType.ExecutionSuspended, HistoryEventType.ExecutionResumed]);

/**
 * Why a control message may have arrived before the episode that caused it was committed, or
 * `undefined` when it fits the history. An episode posts its work before it commits (a crash
 * duplicates work, never loses it), so with several hosts on one task hub a completion, a
 * fired timer or a continue-as-new start can reach another host while the history it reads
 * does not yet hold the scheduling event. Such a message must wait, not be dropped (the
 * extension's Azure Storage backend likewise abandons out-of-order messages and retries them).
 */
export function outOfOrderReason(book: ExecutionBook, currentExecutionId: string, m: ControlMessage): string | undefined {
  for (const e of m.events) {
    if (CLIENT_EVENTS.has(e.EventType)) continue;
    if (m.executionId !== currentExecutionId) return `it is for execution ${m.executionId}, the instance is at ${currentExecutionId}`;
    const id = completedTaskId(e);
    if (id !== undefined && !book.scheduled.has(id)) return `task ${id} is not scheduled in the history read`;
  }
  return undefined;
}
