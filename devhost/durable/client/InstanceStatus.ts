import { HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType, OrchestrationStatusCode } from '../history/HistoryEventType';
import { RecordedEvent } from '../replay/RecordedEvent';
import { InstanceRecord } from '../store/InstanceRecord';

export interface StatusOptions {
  showInput?: boolean;
  showHistory?: boolean;
  showHistoryOutput?: boolean;
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return null;
  try { return JSON.parse(text); } catch { return text; }
}

/**
 * `2024-01-01T00:00:00Z`: the extension formats status times as whole UTC seconds
 * (`ToString("s") + "Z"` in HttpApiHandler, v2.13.7), truncating the fraction.
 */
export function wholeSecondsUtc(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The status body of the Durable HTTP API. `input`, `output` and `customStatus` are always
 * present (null when empty), as the library's DurableOrchestrationStatus requires.
 */
export function instanceStatus(r: InstanceRecord, o: StatusOptions = {}, history?: RecordedEvent[]): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: r.name,
    instanceId: r.instanceId,
    runtimeStatus: r.runtimeStatus,
    input: o.showInput === false ? null : parse(r.input),
    customStatus: parse(r.customStatus),
    output: parse(r.output),
    createdTime: wholeSecondsUtc(r.createdTime),
    lastUpdatedTime: wholeSecondsUtc(r.lastUpdatedTime),
  };
  if (history) {
    const events = publicHistory(history.map((h) => h.event), o.showHistoryOutput === true);
    body.historyEvents = events;
    body.history = events; // the library's DurableOrchestrationStatus reads `history`
  }
  return body;
}

/**
 * History as the Durable HTTP API shows it: episode markers and scheduling events folded into
 * the completions they belong to (FunctionName, ScheduledTime), names instead of numbers.
 */
export function publicHistory(events: HistoryEvent[], withOutput: boolean): Array<Record<string, unknown>> {
  const scheduled = new Map<number, HistoryEvent>();
  const out: Array<Record<string, unknown>> = [];
  for (const e of events) {
    const base: Record<string, unknown> = { EventType: HistoryEventType[e.EventType], Timestamp: e.Timestamp };
    switch (e.EventType) {
      case HistoryEventType.OrchestratorStarted:
      case HistoryEventType.OrchestratorCompleted:
        break;
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.SubOrchestrationInstanceCreated:
        scheduled.set(e.EventId, e);
        break;
      case HistoryEventType.ExecutionStarted:
        out.push({ ...base, FunctionName: e.Name, ...(withOutput ? { Input: parse(e.Input ?? undefined) } : {}) });
        break;
      case HistoryEventType.ExecutionCompleted:
        out.push({ ...base, OrchestrationStatus: OrchestrationStatusCode[e.OrchestrationStatus ?? 0], ...(withOutput ? { Result: parse(e.Result ?? undefined) } : {}) });
        break;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceCompleted:
      case HistoryEventType.SubOrchestrationInstanceFailed: {
        const s = scheduled.get(e.TaskScheduledId!);
        out.push({
          ...base, TaskScheduledId: e.TaskScheduledId, FunctionName: s?.Name, ScheduledTime: s?.Timestamp,
          ...(s?.InstanceId ? { InstanceId: s.InstanceId } : {}),
          ...(e.Reason !== undefined ? { Reason: e.Reason } : {}),
          ...(withOutput && e.Result !== undefined ? { Result: parse(e.Result ?? undefined) } : {}),
        });
        break;
      }
      case HistoryEventType.TimerCreated:
        out.push({ ...base, TimerId: e.EventId, FireAt: e.FireAt });
        break;
      case HistoryEventType.TimerFired:
        out.push({ ...base, TimerId: e.TimerId, FireAt: e.FireAt });
        break;
      case HistoryEventType.EventRaised:
        out.push({ ...base, Name: e.Name, ...(withOutput ? { Input: parse(e.Input ?? undefined) } : {}) });
        break;
      default:
        out.push({ ...base, ...(e.Reason !== undefined ? { Reason: e.Reason } : {}), ...(e.Input !== undefined ? { Input: parse(e.Input ?? undefined) } : {}) });
    }
  }
  return out;
}
