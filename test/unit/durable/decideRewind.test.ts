import { historyEvent } from '../../../devhost/durable/history/HistoryEvent';
import { HistoryEventType as T } from '../../../devhost/durable/history/HistoryEventType';
import { decideRewind } from '../../../devhost/durable/replay/decideRewind';
import { RecordedEvent } from '../../../devhost/durable/replay/RecordedEvent';

const t = new Date('2026-01-01T00:00:00Z');
const ev = (type: T, fields = {}, meta?: RecordedEvent['meta']): RecordedEvent => ({ event: historyEvent(type, t, fields), meta });

describe('decideRewind', () => {
  it('drops the failures and the closing event, re-runs the failed tasks, and moves to the new execution', () => {
    const past = [
      ev(T.OrchestratorStarted),
      ev(T.ExecutionStarted, { OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'old' }, Name: 'o' }),
      ev(T.TaskScheduled, { EventId: 0, Name: 'ok', Input: '1' }),
      ev(T.SubOrchestrationInstanceCreated, { EventId: 1, Name: 'child', InstanceId: 'i:0001', Input: 'null' }),
      ev(T.OrchestratorCompleted),
      ev(T.OrchestratorStarted),
      ev(T.TaskCompleted, { TaskScheduledId: 0, Result: '2' }),
      ev(T.SubOrchestrationInstanceFailed, { TaskScheduledId: 1, Reason: 'boom', Details: '' }),
      ev(T.ExecutionCompleted, { OrchestrationStatus: 3, Result: '"failed"' }),
      ev(T.OrchestratorCompleted),
    ];
    const d = decideRewind(past, 'new')!;
    expect(d.history.map((r) => T[r.event.EventType])).toEqual([
      'OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'SubOrchestrationInstanceCreated', 'OrchestratorCompleted',
      'OrchestratorStarted', 'TaskCompleted', 'OrchestratorCompleted',
    ]);
    expect(d.history[1].event.OrchestrationInstance).toEqual({ InstanceId: 'i', ExecutionId: 'new' });
    expect(d.rerun.map((e) => e.EventId)).toEqual([1]);
  });

  it('refuses when a failure belongs to a retry policy', () => {
    const past = [
      ev(T.ExecutionStarted, { OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'old' } }),
      ev(T.TaskScheduled, { EventId: 0, Name: 'x' }, { retry: { group: 0, attempt: 1, role: 'attempt', options: { firstRetryIntervalInMilliseconds: 1, maxNumberOfAttempts: 1 } } }),
      ev(T.TaskFailed, { TaskScheduledId: 0, Reason: 'r', Details: '' }),
    ];
    expect(decideRewind(past, 'new')).toBeUndefined();
  });
});
