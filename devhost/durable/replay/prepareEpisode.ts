import { completedTaskId, HistoryEvent, historyEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { ExecutionBook, readExecutionBook } from './ExecutionBook';
import { RecordedEvent } from './RecordedEvent';
import { hasAttemptLeft } from './RetryPolicy';

/** Which scheduling event a completion must answer. */
const completionAnswers: Partial<Record<HistoryEventType, HistoryEventType>> = {
  [HistoryEventType.TaskCompleted]: HistoryEventType.TaskScheduled,
  [HistoryEventType.TaskFailed]: HistoryEventType.TaskScheduled,
  [HistoryEventType.SubOrchestrationInstanceCompleted]: HistoryEventType.SubOrchestrationInstanceCreated,
  [HistoryEventType.SubOrchestrationInstanceFailed]: HistoryEventType.SubOrchestrationInstanceCreated,
  [HistoryEventType.TimerFired]: HistoryEventType.TimerCreated,
};

export interface PreparedEpisode {
  /** OrchestratorStarted, then the accepted events in the order the library must see them. */
  accepted: RecordedEvent[];
  dropped: Array<{ event: HistoryEvent; reason: string }>;
}

/**
 * Turns the messages that arrived for an execution into this episode's new history: drops
 * redelivered messages, completions of unknown or finished tasks and stale timers, and puts
 * events that make the retry machinery hand out task ids first. That order matters: such
 * events never resume user code, so with them first the library numbers retry timers and
 * re-attempts before any task the orchestrator yields in this episode, as decideEpisode does.
 */
export function prepareEpisode(past: RecordedEvent[], incoming: RecordedEvent[], now: Date): PreparedEpisode {
  const book = readExecutionBook(past);
  const dropped: PreparedEpisode['dropped'] = [];
  const seenMessages = new Set(book.messageIds);
  const doneIds = new Set(book.completed);
  let started = book.started;
  const starts: RecordedEvent[] = [];
  const retryTriggers: RecordedEvent[] = [];
  const rest: RecordedEvent[] = [];
  for (const r of incoming) {
    const e = r.event;
    const messageId = r.meta?.messageId;
    if (messageId && seenMessages.has(messageId)) { dropped.push({ event: e, reason: 'redelivered message' }); continue; }
    if (messageId) seenMessages.add(messageId);
    if (e.EventType === HistoryEventType.ExecutionStarted) {
      if (started) { dropped.push({ event: e, reason: 'execution already started' }); continue; }
      started = true;
      starts.push(r);
      continue;
    }
    const id = completedTaskId(e);
    if (id !== undefined) {
      const why = rejectCompletion(book, doneIds, e, id);
      if (why) { dropped.push({ event: e, reason: why }); continue; }
      doneIds.add(id);
      (triggersRetry(book, e, id) ? retryTriggers : rest).push(r);
      continue;
    }
    rest.push(r);
  }
  const opened: RecordedEvent = { event: historyEvent(HistoryEventType.OrchestratorStarted, now) };
  return { accepted: [opened, ...starts, ...retryTriggers, ...rest], dropped };
}

function rejectCompletion(book: ExecutionBook, doneIds: Set<number>, e: HistoryEvent, id: number): string | undefined {
  const scheduled = book.scheduled.get(id);
  if (!scheduled || scheduled.EventType !== completionAnswers[e.EventType]) return `no task ${id} of that kind was scheduled`;
  if (doneIds.has(id)) return `task ${id} already completed`;
  if (e.EventType === HistoryEventType.TimerFired && scheduled.FireAt !== e.FireAt) return `timer ${id} was created for another time`;
  return undefined;
}

function triggersRetry(book: ExecutionBook, e: HistoryEvent, id: number): boolean {
  const role = book.retryRole.get(id);
  if (!role) return false;
  if (role.role === 'attempt') return e.EventType === HistoryEventType.TaskFailed || e.EventType === HistoryEventType.SubOrchestrationInstanceFailed;
  return hasAttemptLeft(book.groups.get(role.group)!.options, role.attempt);
}
