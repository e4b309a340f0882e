import { HistoryEvent } from '../history/HistoryEvent';

/**
 * A message to an orchestration instance (control queue). Every one carries a history event;
 * `id` is ours and survives redelivery and re-posting, so a message is recognised when it
 * comes back after its episode committed.
 */
export interface ControlMessage {
  id: string;
  instanceId: string;
  executionId: string;
  event: HistoryEvent;
}

/** A request to run one activity (work-item queue). */
export interface WorkItemMessage {
  id: string;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  /** JSON text. */
  input: string;
}
