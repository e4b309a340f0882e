import { HistoryEvent } from '../history/HistoryEvent';

/**
 * A message to an orchestration instance (control queue). It carries history events (several
 * when activity completions are batched); `id` is ours and survives redelivery and re-posting,
 * so each event (`id/index`) is recognised when it comes back after its episode committed.
 */
export interface ControlMessage {
  id: string;
  instanceId: string;
  executionId: string;
  events: HistoryEvent[];
}

/** The id that recognises one event of a control message. */
export function eventMessageId(m: ControlMessage, index: number): string {
  return `${m.id}/${index}`;
}

/** One activity to run. */
export interface ActivityTask {
  taskId: number;
  name: string;
  /** JSON text. */
  input: string;
}

/**
 * A request to run activities of one execution (work-item queue). An episode that schedules
 * many (a fan-out) posts them in a few messages; as tasks finish, the message is rewritten to
 * hold only the rest, so after a crash only unfinished tasks come back.
 */
export interface WorkItemMessage {
  id: string;
  instanceId: string;
  executionId: string;
  tasks: ActivityTask[];
}
