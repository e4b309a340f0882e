import * as df from 'durable-functions';
import { historyEvent } from '../../../devhost/durable/history/HistoryEvent';
import { HistoryEventType } from '../../../devhost/durable/history/HistoryEventType';
import { prepareEpisode } from '../../../devhost/durable/replay/prepareEpisode';
import { RecordedEvent } from '../../../devhost/durable/replay/RecordedEvent';
import { retryDelayMs } from '../../../devhost/durable/replay/RetryPolicy';
import { shape, simulate } from './replayHarness';

type Ctx = { df: any };

describe('replay driver against the real durable-functions library', () => {
  it('numbers a sequence 0, 1, 2 and completes with the results in order', async () => {
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      const out = [];
      for (const x of ['a', 'b', 'c']) out.push(yield c.df.callActivity('echo', x));
      return out;
    }, null, (_n, input) => `got ${input}`);
    expect(shape(r.history)).toEqual([
      'ExecutionStarted', 'TaskScheduled#0', 'TaskCompleted#0', 'TaskScheduled#1', 'TaskCompleted#1', 'TaskScheduled#2', 'TaskCompleted#2', 'ExecutionCompleted',
    ]);
    expect(r.final).toEqual({ kind: 'complete', status: 'Completed', output: JSON.stringify(['got a', 'got b', 'got c']) });
  });

  it('schedules only what history does not hold: a fan-out completing in reverse order yields results in call order', async () => {
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      return yield c.df.Task.all([1, 2, 3, 4].map((i) => c.df.callActivity('double', i)));
    }, null, (_n, i) => (i as number) * 2, { order: (events) => [...events].reverse() });
    expect(r.decisions[0].commands.map((c) => c.kind === 'scheduleActivity' && c.taskId)).toEqual([0, 1, 2, 3]);
    expect(r.decisions[1].commands).toEqual([{ kind: 'complete', status: 'Completed', output: '[2,4,6,8]' }]);
    expect(r.calls).toHaveLength(4);
  });

  it('numbers retry timers and re-attempts the way the library does, even for parallel retries failing together', async () => {
    const retry = new df.RetryOptions(1000, 3);
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      const both = yield c.df.Task.all([c.df.callActivityWithRetry('flakyA', retry, 'a'), c.df.callActivityWithRetry('flakyB', retry, 'b')]);
      const after = yield c.df.callActivity('plain', 'x');
      return [...both, after];
    }, null, (name, _input, call) => {
      if (name === 'flakyA' && call < 3) throw new Error(`A attempt ${call}`);
      if (name === 'flakyB' && call < 2) throw new Error(`B attempt ${call}`);
      return `${name}#${call}`;
    });
    expect(r.final).toEqual({ kind: 'complete', status: 'Completed', output: JSON.stringify(['flakyA#3', 'flakyB#2', 'plain#1']) });
    expect(shape(r.history)).toEqual([
      'ExecutionStarted', 'TaskScheduled#0', 'TaskScheduled#1',
      'TaskFailed#0', 'TaskFailed#1', 'TimerCreated#2', 'TimerCreated#3',
      'TimerFired#2', 'TaskScheduled#4', // the harness fires one timer per episode
      'TaskFailed#4', 'TimerCreated#5',
      'TimerFired#3', 'TaskScheduled#6',
      'TaskCompleted#6',
      'TimerFired#5', 'TaskScheduled#7',
      'TaskCompleted#7', 'TaskScheduled#8',
      'TaskCompleted#8', 'ExecutionCompleted',
    ]);
  });

  it('puts retry triggers before other completions so new tasks never take a retry id', async () => {
    const retry = new df.RetryOptions(500, 2);
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      const flaky = c.df.callActivityWithRetry('flaky', retry, null);
      const quick = c.df.callActivity('quick', null);
      const first = yield c.df.Task.any([flaky, quick]);
      const next = yield c.df.callActivity('next', null); // yielded in the same episode the retry timer is created
      return [first.result, next, yield flaky];
    }, null, (name, _i, call) => {
      if (name === 'flaky' && call === 1) throw new Error('first try fails');
      return `${name}${call}`;
    }, { order: (events) => [...events].reverse() }); // the quick completion arrives first
    expect(r.final).toEqual({ kind: 'complete', status: 'Completed', output: JSON.stringify(['quick1', 'next1', 'flaky2']) });
    expect(shape(r.history).slice(0, 6)).toEqual(['ExecutionStarted', 'TaskScheduled#0', 'TaskScheduled#1', 'TaskFailed#0', 'TaskCompleted#1', 'TimerCreated#2']);
    expect(shape(r.history)).toContain('TaskScheduled#3');
  });

  it('fails the task after the last attempt and its timer, surfacing the activity error to the orchestrator', async () => {
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      try {
        yield c.df.callActivityWithRetry('broken', new df.RetryOptions(100, 3), null);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    }, null, (_n, _i, call) => { throw new Error(`attempt ${call} broke`); });
    expect(r.calls).toHaveLength(3);
    expect(shape(r.history).filter((s) => s.startsWith('TimerCreated'))).toHaveLength(3);
    expect(JSON.parse((r.final as { output: string }).output)).toMatch(/Activity function 'broken' failed: attempt 3 broke/);
  });

  it('surfaces the first failure of a Task.all and of a sub-orchestration as catchable errors', async () => {
    const r = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      const caught: string[] = [];
      try { yield c.df.Task.all([c.df.callActivity('ok', 1), c.df.callActivity('bad', 2)]); } catch (e) { caught.push((e as Error).message); }
      try { yield c.df.callSubOrchestrator('child', 'x'); } catch (e) { caught.push((e as Error).message); }
      return caught;
    }, null, (name) => { if (name !== 'ok') throw new Error(`${name} broke`); return 'fine'; });
    const caught = JSON.parse((r.final as { output: string }).output) as string[];
    expect(caught[0]).toMatch(/Activity function 'bad' failed: bad broke/);
    expect(caught[1]).toMatch(/child broke/);
    expect(shape(r.history)).toContain('SubOrchestrationInstanceCreated#2');
  });

  it('waits out retry delays growing by the backoff coefficient, capped', () => {
    const o = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(o, n))).toEqual([1000, 2000, 3000, 3000]);
  });

  it('races a timer against an external event: the event raised later wins when it comes first', async () => {
    const race = function* (c: Ctx): Generator<unknown, unknown, any> {
      const timer = c.df.createTimer(new Date(c.df.currentUtcDateTime.getTime() + 60000));
      const approval = c.df.waitForExternalEvent('Approval');
      const winner = yield c.df.Task.any([approval, timer]);
      if (winner === approval) { timer.cancel(); return approval.result; }
      return 'timeout';
    };
    const byEvent = await simulate(race, null, () => null, { externalEvents: [{ atEpisode: 1, name: 'Approval', value: { ok: true } }] });
    expect(byEvent.final).toEqual({ kind: 'complete', status: 'Completed', output: '{"ok":true}' });
    const byTimer = await simulate(race, null, () => null);
    expect(byTimer.final).toEqual({ kind: 'complete', status: 'Completed', output: '"timeout"' });
    expect(shape(byTimer.history)).toEqual(['ExecutionStarted', 'TimerCreated#0', 'TimerFired#0', 'ExecutionCompleted']);
  });

  it('continues as new with the new input and fails on user exceptions with the message', async () => {
    const again = await simulate(function* (c: Ctx): Generator<unknown, void, any> {
      yield c.df.callActivity('step', null);
      c.df.setCustomStatus({ round: 1 });
      c.df.continueAsNew({ round: 2 });
    }, null, () => 'ok');
    expect(again.final).toEqual({ kind: 'continueAsNew', input: '{"round":2}' });
    expect(again.decisions.at(-1)!.customStatus).toBe('{"round":1}');
    const failed = await simulate(function* (c: Ctx): Generator<unknown, unknown, any> {
      yield c.df.callActivity('step', null);
      throw new Error('user code broke');
    }, null, () => 'ok');
    expect(failed.final).toMatchObject({ kind: 'complete', status: 'Failed', output: JSON.stringify("Orchestrator function 'test' failed: user code broke") });
    expect(failed.decisions.at(-1)!.runtimeStatus).toBe('Failed');
  });

  it('detects an orchestrator that no longer yields what its history recorded', async () => {
    let version = 1;
    const fn = function* (c: Ctx): Generator<unknown, unknown, any> {
      yield c.df.callActivity(version === 1 ? 'first' : 'renamed', null);
      return yield c.df.callActivity('second', null);
    };
    const r = await simulate(fn, null, (name) => { version = 2; return name; });
    expect(r.final).toMatchObject({ kind: 'complete', status: 'Failed' });
    expect(JSON.parse((r.final as { output: string }).output)).toMatch(/Non-deterministic workflow detected: task 0 was TaskScheduled first/);
  });
});

describe('prepareEpisode', () => {
  const t = new Date('2026-01-01T00:00:00Z');
  const past: RecordedEvent[] = [
    { event: historyEvent(HistoryEventType.ExecutionStarted, t) },
    { event: historyEvent(HistoryEventType.TaskScheduled, t, { EventId: 0, Name: 'a' }) },
    { event: historyEvent(HistoryEventType.TimerCreated, t, { EventId: 1, FireAt: '2026-01-01T00:01:00.000Z' }) },
    { event: historyEvent(HistoryEventType.TaskCompleted, t, { TaskScheduledId: 0, Result: '1' }), meta: { messageId: 'm1/0' } },
  ];

  it('drops redelivered messages, completions of unknown or finished tasks and stale timers; keeps events', () => {
    const r = prepareEpisode(past, [
      { event: historyEvent(HistoryEventType.TaskCompleted, t, { TaskScheduledId: 0, Result: '1' }), meta: { messageId: 'm1/0' } },
      { event: historyEvent(HistoryEventType.TaskCompleted, t, { TaskScheduledId: 0, Result: '2' }), meta: { messageId: 'm2/0' } },
      { event: historyEvent(HistoryEventType.TaskCompleted, t, { TaskScheduledId: 7, Result: '3' }), meta: { messageId: 'm3/0' } },
      { event: historyEvent(HistoryEventType.TimerFired, t, { TimerId: 1, FireAt: '2026-01-01T00:00:30.000Z' }), meta: { messageId: 'm4/0' } },
      { event: historyEvent(HistoryEventType.TaskCompleted, t, { TaskScheduledId: 1, Result: '4' }), meta: { messageId: 'm5/0' } },
      { event: historyEvent(HistoryEventType.EventRaised, t, { Name: 'go', Input: '1' }), meta: { messageId: 'm6/0' } },
      { event: historyEvent(HistoryEventType.TimerFired, t, { TimerId: 1, FireAt: '2026-01-01T00:01:00.000Z' }), meta: { messageId: 'm7/0' } },
    ], t);
    expect(r.dropped.map((d) => d.reason)).toEqual([
      'redelivered message', 'task 0 already completed', 'no task 7 of that kind was scheduled',
      'timer 1 was created for another time', 'no task 1 of that kind was scheduled',
    ]);
    expect(r.accepted.map((a) => HistoryEventType[a.event.EventType])).toEqual(['OrchestratorStarted', 'EventRaised', 'TimerFired']);
  });
});

describe('entity operations in the replay driver', () => {
  it('records callEntity and signalEntity as EventSent with task ids and the request the library re-keys on', async () => {
    const { decideEpisode } = await import('../../../devhost/durable/replay/decideEpisode');
    const t = new Date('2026-01-01T00:00:00Z');
    const decision = decideEpisode({
      instanceId: 'o1', past: [], outcome: { state: { isDone: false, actions: [[
        { actionType: 9, instanceId: '@tally@k', operation: 'add', input: 2 },
        { actionType: 7, instanceId: '@tally@k', operation: 'get' },
      ]] } },
      accepted: [{ event: historyEvent(HistoryEventType.OrchestratorStarted, t) }, { event: historyEvent(HistoryEventType.ExecutionStarted, t) }],
    });
    const sent = decision.appended.filter((r) => r.event.EventType === HistoryEventType.EventSent).map((r) => r.event);
    expect(sent.map((e) => [e.EventId, e.InstanceId, e.Name])).toEqual([[0, '@tally@k', 'add'], [1, '@tally@k', 'get']]);
    expect(JSON.parse(sent[1].Input!)).toEqual({ id: `o1:${t.getTime()}:1`, op: 'get', signal: false, parent: 'o1' });
    expect(decision.commands.map((c) => c.kind)).toEqual(['sendEntityOperation', 'sendEntityOperation']);
  });
});
