import { HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { RecordedEvent } from './RecordedEvent';

export interface RewindDecision {
  /** The history to continue from: the failures and the closing event removed. */
  history: RecordedEvent[];
  /** Scheduling events of the tasks to run again (activities and sub-orchestrations). */
  rerun: HistoryEvent[];
}

/**
 * Rewinding a failed instance (pure): every failed activity and sub-orchestration is forgotten
 * and run again, the execution is reopened, and the orchestrator replays past the point where
 * it failed. Returns `undefined` when a failure belongs to a retry policy: its retry timers
 * took task ids the library would hand out differently once the failure is gone.
 */
export function decideRewind(past: RecordedEvent[], executionId: string): RewindDecision | undefined {
  const failed = new Set<number>();
  const retried = new Set<number>();
  for (const { event, meta } of past) {
    if (event.EventType === HistoryEventType.TaskFailed || event.EventType === HistoryEventType.SubOrchestrationInstanceFailed) failed.add(event.TaskScheduledId!);
    if (meta?.retry?.role === 'attempt') retried.add(event.EventId);
  }
  if ([...failed].some((id) => retried.has(id))) return undefined;
  const history: RecordedEvent[] = [];
  const rerun: HistoryEvent[] = [];
  for (const r of past) {
    const e = r.event;
    if (e.EventType === HistoryEventType.ExecutionCompleted) continue;
    if ((e.EventType === HistoryEventType.TaskFailed || e.EventType === HistoryEventType.SubOrchestrationInstanceFailed)) continue;
    if (e.EventType === HistoryEventType.ExecutionStarted) {
      history.push({ ...r, event: { ...e, OrchestrationInstance: { InstanceId: e.OrchestrationInstance!.InstanceId, ExecutionId: executionId } } });
      continue;
    }
    if ((e.EventType === HistoryEventType.TaskScheduled || e.EventType === HistoryEventType.SubOrchestrationInstanceCreated) && failed.has(e.EventId)) rerun.push(e);
    history.push(r);
  }
  return { history, rerun };
}
