import { randomUUID } from 'node:crypto';
import { FunctionInvoker } from '../../core/FunctionInvoker';
import { FunctionRegistration } from '../../core/FunctionRegistration';
import { HostLogger } from '../../core/HostLogger';
import { fromTypedData } from '../../core/TypedData';
import { OrchestrationClient, startedEvent } from '../client/OrchestrationClient';
import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { ControlDecision, decideResumption, decideSuspension, decideTermination } from '../replay/decideControl';
import { decideEpisode, OrchestratorOutcome } from '../replay/decideEpisode';
import { EpisodeCommand } from '../replay/EpisodeCommand';
import { readExecutionBook } from '../replay/ExecutionBook';
import { orchestrationInput } from '../replay/OrchestrationInput';
import { prepareEpisode } from '../replay/prepareEpisode';
import { outcomeFromError, outcomeFromResult } from '../replay/readOrchestratorOutcome';
import { RecordedEvent } from '../replay/RecordedEvent';
import { DurableStoreError } from '../store/DurableStoreError';
import { InstanceRecord, isTerminal, RuntimeStatus } from '../store/InstanceRecord';
import { InstanceStore } from '../store/InstanceStore';
import { ControlMessage, WorkItemMessage } from '../store/QueueMessages';
import { MAX_VISIBILITY_SECONDS, ReceivedMessage, TaskHubQueue } from '../store/TaskHubQueue';
import { QueuePoller } from './QueuePoller';
import { runLimited } from './runLimited';

export interface OrchestrationDispatcherOptions {
  orchestrators: Map<string, FunctionRegistration>;
  invoker: FunctionInvoker;
  logger: HostLogger;
  store: InstanceStore;
  client: OrchestrationClient;
  control: TaskHubQueue<ControlMessage>;
  workItems: TaskHubQueue<WorkItemMessage>;
  maxConcurrent: number;
  visibilitySeconds: number;
  maxIdleMs: number;
  /** Called after work items were posted (wakes the activity dispatcher). */
  scheduled: () => void;
}

type Held = ReceivedMessage<ControlMessage>;

/** Messages held in memory at most (received, waiting for their instance's episode). */
const MAX_HELD = 512;
const SEND_PARALLELISM = 32;

/**
 * Runs orchestration episodes. Messages from the control queue are grouped per instance; one
 * episode at a time per instance (in this process by a set of active instances, across
 * processes by the ETag on the instance row), at most `maxConcurrent` episodes at once.
 *
 * An episode: read the instance and its committed history; turn the messages into new events;
 * replay the orchestrator through the app's programming model; decide (pure); post the work
 * (activities, timers, children, the parent's notice); write the history rows; commit by
 * replacing the instance row under If-Match; delete the messages. A crash before the commit
 * redoes the episode from the messages (re-posted work may run twice: at least once); after
 * the commit, redelivered messages are recognised by their id in the history.
 */
export class OrchestrationDispatcher {
  readonly poller: QueuePoller;
  private readonly buffers = new Map<string, Held[]>();
  private readonly active = new Set<string>();
  private readonly ready: string[] = [];
  private readonly cache = new Map<string, { etag: string; executionId: string; history: RecordedEvent[] }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly episodesDone = new Set<Promise<void>>();
  private held = 0;

  constructor(private readonly o: OrchestrationDispatcherOptions) {
    this.poller = new QueuePoller('orchestrations', (max) => this.fetch(max), () => MAX_HELD - this.held, o.maxIdleMs,
      (e) => o.logger.log('warning', `Control queue poll failed: ${(e as Error).message}`));
  }

  start(): void {
    this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.episodesDone]);
  }

  private async fetch(max: number): Promise<number> {
    const messages = await this.o.control.receive(max, this.o.visibilitySeconds);
    for (const m of messages) {
      const e = m.body.event;
      const early = e.EventType === HistoryEventType.TimerFired ? Date.parse(e.FireAt!) - Date.now() : 0;
      if (early > 15) await this.holdEarlyTimer(m, early);
      else this.enqueue(m);
    }
    return messages.length;
  }

  /** Queue delays have whole seconds: a timer shows up a little early and waits here, or is re-posted. */
  private async holdEarlyTimer(m: Held, early: number): Promise<void> {
    if (early < (this.o.visibilitySeconds - 1) * 1000) {
      this.held++;
      this.later(early, () => { this.held--; this.enqueue(m); });
      return;
    }
    await this.o.control.send(m.body, Math.min(MAX_VISIBILITY_SECONDS, Math.floor(early / 1000)));
    await this.o.control.delete(m);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref();
    this.timers.add(t);
  }

  private enqueue(m: Held): void {
    const id = m.body.instanceId;
    const list = this.buffers.get(id) ?? [];
    list.push(m);
    this.buffers.set(id, list);
    this.held++;
    this.schedule(id);
  }

  private schedule(id: string): void {
    if (this.active.has(id) || this.ready.includes(id)) return;
    if (this.active.size >= this.o.maxConcurrent) { this.ready.push(id); return; }
    this.active.add(id);
    const done = this.drain(id).finally(() => {
      this.active.delete(id);
      this.episodesDone.delete(done);
      const next = this.ready.shift();
      if (next) this.schedule(next);
    });
    this.episodesDone.add(done);
  }

  /** Runs episodes for one instance until its buffer is empty. */
  private async drain(id: string): Promise<void> {
    for (;;) {
      const batch = this.buffers.get(id) ?? [];
      this.buffers.delete(id);
      if (batch.length === 0) return;
      this.held -= batch.length;
      try {
        await this.episode(id, batch);
      } catch (e) {
        this.cache.delete(id);
        const retry = e instanceof DurableStoreError && e.code === 'EtagMismatch';
        this.o.logger.log(retry ? 'debug' : 'warning', `Episode of ${id} did not commit (its messages will be redelivered): ${(e as Error).stack ?? e}`);
      }
    }
  }

  private async episode(instanceId: string, batch: Held[]): Promise<void> {
    const now = new Date();
    const rec = await this.o.store.read(instanceId);
    if (!rec) {
      await this.deleteAll(batch);
      return;
    }
    const cached = this.cache.get(instanceId);
    const past = cached && cached.etag === rec.etag && cached.executionId === rec.executionId
      ? cached.history : await this.o.store.readHistory(instanceId, rec.executionId, rec.historyCount);
    const book = readExecutionBook(past);
    const seen = book.messageIds;
    for (const p of rec.parked) if (p.meta?.messageId) seen.add(p.meta.messageId);

    let status: RuntimeStatus = rec.runtimeStatus;
    let parked = rec.parked;
    let incoming: RecordedEvent[] = [];
    const appended: RecordedEvent[] = [];
    const commands: EpisodeCommand[] = [];
    const apply = (d: ControlDecision) => { appended.push(...d.appended); commands.push(...d.commands); status = d.runtimeStatus; };

    for (const m of batch) {
      const b = m.body;
      if (b.executionId !== rec.executionId || isTerminal(status) || seen.has(b.id)) continue;
      seen.add(b.id);
      const r: RecordedEvent = { event: b.event, meta: { messageId: b.id } };
      switch (b.event.EventType) {
        case HistoryEventType.ExecutionTerminated:
          apply(decideTermination(JSON.parse(b.event.Input ?? '""') as string, now, r.meta));
          break;
        case HistoryEventType.ExecutionSuspended:
          if (status === 'Running' || status === 'Pending') apply(decideSuspension(b.event.Reason ?? '', now, r.meta));
          break;
        case HistoryEventType.ExecutionResumed:
          if (status === 'Suspended') {
            apply(decideResumption(b.event.Reason ?? '', now, r.meta));
            incoming = [...parked, ...incoming];
            parked = [];
          }
          break;
        default:
          incoming.push(r);
      }
    }

    const startsNow = incoming.some((r) => r.event.EventType === HistoryEventType.ExecutionStarted);
    if (status === 'Suspended' || (!book.started && !startsNow)) {
      parked = [...parked, ...incoming.map((r) => ({ ...r, executionId: rec.executionId }))];
      incoming = [];
    } else if (startsNow && parked.length) {
      incoming = [...parked, ...incoming];
      parked = [];
    }

    let customStatus = rec.customStatus;
    if (!isTerminal(status) && incoming.length) {
      const prepared = prepareEpisode([...past, ...appended], incoming, now);
      for (const d of prepared.dropped) this.o.logger.log('debug', `Dropped ${HistoryEventType[d.event.EventType]} for ${instanceId}: ${d.reason}`);
      if (prepared.accepted.length > 1) {
        const before = [...past, ...appended];
        const outcome = await this.runOrchestrator(rec, before, prepared.accepted);
        const decision = decideEpisode({ instanceId, past: before, accepted: prepared.accepted, outcome });
        appended.push(...decision.appended);
        commands.push(...decision.commands);
        status = decision.runtimeStatus;
        if (decision.customStatus !== undefined) customStatus = decision.customStatus;
      }
    }

    if (appended.length === 0 && parked === rec.parked) {
      await this.deleteAll(batch);
      return;
    }
    const next: InstanceRecord = {
      ...rec, runtimeStatus: status, historyCount: rec.historyCount + appended.length, lastUpdatedTime: now, customStatus, parked,
    };
    const again = commands.find((c) => c.kind === 'continueAsNew');
    if (again && again.kind === 'continueAsNew') {
      Object.assign(next, { executionId: randomUUID().replace(/-/g, ''), historyCount: 0, input: again.input, runtimeStatus: 'ContinuedAsNew', output: undefined });
    }
    const done = commands.find((c) => c.kind === 'complete');
    if (done && done.kind === 'complete') next.output = done.output;

    await this.carryOut(rec, next, commands, now);
    await this.o.store.writeHistory(instanceId, rec.executionId, rec.historyCount, appended);
    const etag = await this.o.store.replace(next, rec.etag!);
    this.cache.set(instanceId, { etag, executionId: next.executionId, history: again ? [] : [...past, ...appended] });
    if (isTerminal(status)) this.cache.delete(instanceId);
    await this.deleteAll(batch);
    if (again) void this.o.store.deleteHistory(instanceId, rec.executionId).catch(() => undefined);
    this.o.logger.log('debug', `Episode of ${rec.name} ${instanceId}: +${appended.length} events, ${commands.length} command(s), ${status}`);
  }

  private async runOrchestrator(rec: InstanceRecord, past: RecordedEvent[], accepted: RecordedEvent[]): Promise<OrchestratorOutcome> {
    const fn = this.o.orchestrators.get(rec.name.toLowerCase());
    if (!fn) return { state: { isDone: false, actions: [[]] }, failure: `No orchestrator function named '${rec.name}' is registered in this app.` };
    const history = [...past.map((r) => ({ ...r.event, IsPlayed: true })), ...accepted.map((r) => ({ ...r.event, IsPlayed: false }))];
    const payload = orchestrationInput({
      instanceId: rec.instanceId, history, input: JSON.parse(rec.input), parentInstanceId: rec.parent?.instanceId, isReplaying: past.length > 0,
    });
    try {
      const response = await this.o.invoker.invoke(fn, { inputData: [{ name: fn.trigger.name, data: { string: JSON.stringify(payload) } }] });
      return outcomeFromResult(fromTypedData(response.returnValue));
    } catch (e) {
      return outcomeFromError(rec.name, e);
    }
  }

  /** Posts the episode's work. Runs before the commit, so a crash can duplicate work but never lose it. */
  private async carryOut(rec: InstanceRecord, next: InstanceRecord, commands: EpisodeCommand[], now: Date): Promise<void> {
    let activities = 0;
    await runLimited(commands, SEND_PARALLELISM, async (c) => {
      switch (c.kind) {
        case 'scheduleActivity':
          await this.o.workItems.send({ id: randomUUID(), instanceId: rec.instanceId, executionId: rec.executionId, taskId: c.taskId, name: c.name, input: c.input });
          activities++;
          return;
        case 'createTimer': {
          const wait = Date.parse(c.fireAt) - now.getTime();
          await this.o.client.post(rec, historyEvent(HistoryEventType.TimerFired, now, { TimerId: c.timerId, FireAt: c.fireAt }), Math.max(0, Math.floor(wait / 1000)));
          this.later(Math.max(0, wait - 900), () => this.poller.nudge());
          return;
        }
        case 'startSubOrchestration':
          try {
            await this.o.client.start({ name: c.name, instanceId: c.instanceId, input: c.input, parent: { instanceId: rec.instanceId, executionId: rec.executionId, taskId: c.taskId, name: rec.name } });
          } catch (e) {
            if (!(e instanceof DurableStoreError) || e.retryable) throw e;
            await this.o.client.post(rec, historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, {
              TaskScheduledId: c.taskId, Reason: `Could not start sub-orchestration '${c.name}': ${e.message}`, Details: e.code,
            }));
          }
          return;
        case 'complete':
          if (rec.parent) {
            const parent = { instanceId: rec.parent.instanceId, executionId: rec.parent.executionId };
            await this.o.client.post(parent, c.status === 'Completed'
              ? historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: rec.parent.taskId, Result: c.output })
              : historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, { TaskScheduledId: rec.parent.taskId, Reason: c.failure?.reason ?? 'failed', Details: c.failure?.details ?? '' }));
          }
          return;
        case 'continueAsNew':
          await this.o.client.post(next, startedEvent(next, c.input));
          return;
      }
    });
    if (activities) this.o.scheduled();
  }

  private async deleteAll(batch: Held[]): Promise<void> {
    await runLimited(batch, SEND_PARALLELISM, (m) => this.o.control.delete(m));
  }
}
