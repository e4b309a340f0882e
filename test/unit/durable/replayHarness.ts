import { DummyOrchestrationContext } from 'durable-functions';
import { historyEvent, HistoryEvent } from '../../../devhost/durable/history/HistoryEvent';
import { HistoryEventType } from '../../../devhost/durable/history/HistoryEventType';
import { decideEpisode, EpisodeDecision } from '../../../devhost/durable/replay/decideEpisode';
import { EpisodeCommand } from '../../../devhost/durable/replay/EpisodeCommand';
import { orchestrationInput } from '../../../devhost/durable/replay/OrchestrationInput';
import { prepareEpisode } from '../../../devhost/durable/replay/prepareEpisode';
import { outcomeFromError, outcomeFromResult } from '../../../devhost/durable/replay/readOrchestratorOutcome';
import { RecordedEvent } from '../../../devhost/durable/replay/RecordedEvent';

// The library's own handler factory (what df.app.orchestration registers).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as {
  createOrchestrator: (fn: unknown) => (trigger: unknown, context: unknown) => Promise<unknown>;
};

/** How the simulated world answers an activity: a value, or an Error to fail it. */
export type ActivityWorld = (name: string, input: unknown, call: number) => unknown;

export interface SimulationResult {
  history: RecordedEvent[];
  decisions: EpisodeDecision[];
  final: EpisodeCommand | undefined;
  /** Activity calls in the order they were dispatched. */
  calls: Array<{ name: string; input: unknown; taskId: number }>;
}

/**
 * Drives an orchestrator through the pure replay driver and the real durable-functions
 * library, with a simulated world instead of storage: every episode's work completes and
 * arrives together in the next episode (`order` may permute those arrivals). Virtual time
 * advances to each timer. Everything is in-process and deterministic.
 */
export async function simulate(fn: unknown, input: unknown, world: ActivityWorld, options: {
  order?: (events: RecordedEvent[]) => RecordedEvent[];
  maxEpisodes?: number;
  externalEvents?: Array<{ atEpisode: number; name: string; value: unknown }>;
} = {}): Promise<SimulationResult> {
  const handler = createOrchestrator(fn);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const history: RecordedEvent[] = [];
  const decisions: EpisodeDecision[] = [];
  const calls: SimulationResult['calls'] = [];
  const perName = new Map<string, number>();
  let inbox: RecordedEvent[] = [{ event: historyEvent(HistoryEventType.ExecutionStarted, new Date(now), { Name: 'test', Input: JSON.stringify(input), OrchestrationInstance: { InstanceId: 'i', ExecutionId: 'e' } }) }];
  let timers: Array<{ id: number; fireAt: string }> = [];
  for (let episode = 0; episode < (options.maxEpisodes ?? 50); episode++) {
    for (const x of options.externalEvents ?? []) {
      if (x.atEpisode === episode) inbox.push({ event: historyEvent(HistoryEventType.EventRaised, new Date(now), { Name: x.name, Input: JSON.stringify(x.value) }) });
    }
    if (inbox.length === 0 && timers.length) {
      timers.sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt));
      const t = timers.shift()!;
      now = Math.max(now, Date.parse(t.fireAt));
      inbox.push({ event: historyEvent(HistoryEventType.TimerFired, new Date(now), { TimerId: t.id, FireAt: t.fireAt }) });
    }
    if (inbox.length === 0) break;
    const prepared = prepareEpisode(history, options.order ? options.order(inbox) : inbox, new Date(now));
    inbox = [];
    const wire = JSON.parse(JSON.stringify([...history.map((r) => ({ ...r.event, IsPlayed: true })), ...prepared.accepted.map((r) => r.event)])) as HistoryEvent[];
    let outcome;
    try {
      const state = await handler(orchestrationInput({ instanceId: 'i', history: wire, input, isReplaying: history.length > 0 }), new DummyOrchestrationContext());
      outcome = outcomeFromResult(JSON.parse(JSON.stringify(state)));
    } catch (e) {
      outcome = outcomeFromError('test', e);
    }
    const decision = decideEpisode({ instanceId: 'i', past: history, accepted: prepared.accepted, outcome });
    decisions.push(decision);
    history.push(...decision.appended);
    for (const c of decision.commands) {
      if (c.kind === 'scheduleActivity') {
        const value = JSON.parse(c.input);
        calls.push({ name: c.name, input: value, taskId: c.taskId });
        const n = (perName.get(c.name) ?? 0) + 1;
        perName.set(c.name, n);
        let result: unknown;
        try { result = world(c.name, value, n); } catch (e) { result = e; }
        inbox.push({ event: result instanceof Error
          ? historyEvent(HistoryEventType.TaskFailed, new Date(now), { TaskScheduledId: c.taskId, Reason: `Activity function '${c.name}' failed: ${result.message}`, Details: 'stack' })
          : historyEvent(HistoryEventType.TaskCompleted, new Date(now), { TaskScheduledId: c.taskId, Result: JSON.stringify(result ?? null) }) });
      } else if (c.kind === 'startSubOrchestration') {
        // The world answers a child orchestration like an activity.
        let result: unknown;
        try { result = world(c.name, JSON.parse(c.input), 0); } catch (e) { result = e; }
        inbox.push({ event: result instanceof Error
          ? historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, new Date(now), { TaskScheduledId: c.taskId, Reason: result.message, Details: '' })
          : historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, new Date(now), { TaskScheduledId: c.taskId, Result: JSON.stringify(result ?? null) }) });
      } else if (c.kind === 'createTimer') {
        timers.push({ id: c.timerId, fireAt: c.fireAt });
      } else if (c.kind === 'complete' || c.kind === 'continueAsNew') {
        return { history, decisions, final: c, calls };
      } // entity operations: not simulated

    }
    now += 10;
  }
  return { history, decisions, final: undefined, calls };
}

/** The history as compact `Type#id` lines (ids of scheduling events and of what completions answer). */
export function shape(history: RecordedEvent[]): string[] {
  return history
    .map((r) => r.event)
    .filter((e) => e.EventType !== HistoryEventType.OrchestratorStarted && e.EventType !== HistoryEventType.OrchestratorCompleted)
    .map((e) => {
      const id = e.EventId >= 0 ? e.EventId : e.TaskScheduledId ?? e.TimerId;
      return `${HistoryEventType[e.EventType]}${id === undefined ? '' : `#${id}`}`;
    });
}
