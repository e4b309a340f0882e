import { FailureDetails } from './FailureDetails';
import { HistoryEventType } from './HistoryEventType';

/**
 * One DTFx history event in the PascalCase wire shape the durable-functions library replays.
 * Every event has `EventType`, `EventId`, `IsPlayed` and an ISO `Timestamp`; the rest depends
 * on the type (see DEVHOST.md §3). Payloads (`Input`, `Result`) are JSON text.
 */
export interface HistoryEvent {
  EventType: HistoryEventType;
  /** The task id for scheduling events (TaskScheduled, TimerCreated, ...), else -1. */
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string | null;
  Result?: string | null;
  Reason?: string;
  Details?: string;
  /** On TaskFailed / SubOrchestrationInstanceFailed / a failed ExecutionCompleted. */
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationStatus?: number;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; OrchestrationInstance: { InstanceId: string; ExecutionId: string }; TaskScheduleId: number } | null;
  Version?: string;
}

/** Builds an event of `type` at `timestamp` with the given fields (EventId -1 unless given). */
export function historyEvent(type: HistoryEventType, timestamp: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: timestamp.toISOString(), ...fields };
}

/** The id an event completes (TaskScheduledId / TimerId), if it is a completion. */
export function completedTaskId(e: HistoryEvent): number | undefined {
  switch (e.EventType) {
    case HistoryEventType.TaskCompleted:
    case HistoryEventType.TaskFailed:
    case HistoryEventType.SubOrchestrationInstanceCompleted:
    case HistoryEventType.SubOrchestrationInstanceFailed:
      return e.TaskScheduledId;
    case HistoryEventType.TimerFired:
      return e.TimerId;
    default:
      return undefined;
  }
}

/** Events that consume a task id from the per-execution sequence. */
export function isSchedulingEvent(e: HistoryEvent): boolean {
  return e.EventType === HistoryEventType.TaskScheduled || e.EventType === HistoryEventType.TimerCreated ||
    e.EventType === HistoryEventType.SubOrchestrationInstanceCreated || e.EventType === HistoryEventType.EventSent;
}
