import { HistoryEvent } from '../history/HistoryEvent';
import { WireRetryOptions } from '../actions/OrchestratorAction';

/** Host bookkeeping kept next to an event (a column of its history row, never sent to the app). */
export interface EventMeta {
  /** The queue message the event arrived in: a redelivered message is recognised by it. */
  messageId?: string;
  /** The event belongs to a `*WithRetry` task: `group` is the id of its first attempt. */
  retry?: { group: number; attempt: number; role: 'attempt' | 'timer'; options?: WireRetryOptions };
}

/** A history event as the host stores it. */
export interface RecordedEvent {
  event: HistoryEvent;
  meta?: EventMeta;
}
