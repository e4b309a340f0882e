import { historyEvent } from '../../../devhost/durable/history/HistoryEvent';
import { HistoryEventType } from '../../../devhost/durable/history/HistoryEventType';
import { readExecutionBook } from '../../../devhost/durable/replay/ExecutionBook';
import { outOfOrderReason } from '../../../devhost/durable/replay/outOfOrder';

const t0 = new Date('2026-12-05T00:00:00Z');
const past = [
  { event: historyEvent(HistoryEventType.ExecutionStarted, t0, { Name: 'o' }) },
  { event: { ...historyEvent(HistoryEventType.TimerCreated, t0, { FireAt: t0.toISOString() }), EventId: 0 } },
];
const book = readExecutionBook(past);
const message = (events: ReturnType<typeof historyEvent>[], executionId = 'e1') => ({ id: 'm', instanceId: 'i', executionId, events });

describe('outOfOrderReason: a message that may have overtaken the commit of the episode that sent it', () => {
  it('fits when its task is scheduled in the history read', () => {
    expect(outOfOrderReason(book, 'e1', message([historyEvent(HistoryEventType.TimerFired, t0, { TimerId: 0, FireAt: t0.toISOString() })]))).toBeUndefined();
  });

  it('is early when it completes a task the history read does not hold yet (another host has not committed)', () => {
    expect(outOfOrderReason(book, 'e1', message([historyEvent(HistoryEventType.TaskCompleted, t0, { TaskScheduledId: 1, Result: '1' })])))
      .toBe('task 1 is not scheduled in the history read');
  });

  it('is early when it belongs to another execution (a continue-as-new not committed yet), unless a client sent it', () => {
    expect(outOfOrderReason(book, 'e1', message([historyEvent(HistoryEventType.ExecutionStarted, t0, { Name: 'o' })], 'e2'))).toMatch(/execution e2/);
    expect(outOfOrderReason(book, 'e1', message([historyEvent(HistoryEventType.EventRaised, t0, { Name: 'go' })], 'e2'))).toBeUndefined();
  });
});
