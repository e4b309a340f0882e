import { randomUUID } from 'node:crypto';
import { FunctionInvoker } from '../../core/FunctionInvoker';
import { FunctionRegistration } from '../../core/FunctionRegistration';
import { HostLogger } from '../../core/HostLogger';
import { fromTypedData } from '../../core/TypedData';
import { OrchestrationClient } from '../client/OrchestrationClient';
import { isEntityInstanceId, parseEntityInstanceId } from '../entities/EntityRequest';
import { HistoryEventType } from '../history/HistoryEventType';
import { ControlDecision, decideResumption, decideSuspension, decideTermination } from '../replay/decideControl';
import { decideEpisode, OrchestratorOutcome } from '../replay/decideEpisode';
import { EpisodeCommand } from '../replay/EpisodeCommand';
import { readExecutionBook } from '../replay/ExecutionBook';
import { CLIENT_EVENTS, outOfOrderReason } from '../replay/outOfOrder';
import { orchestrationInput } from '../replay/OrchestrationInput';
import { prepareEpisode } from '../replay/prepareEpisode';
import { outcomeFromError, outcomeFromResult } from '../replay/readOrchestratorOutcome';
import { RecordedEvent } from '../replay/RecordedEvent';
import { DurableStoreError } from '../store/DurableStoreError';
import { InstanceRecord } from '../store/InstanceRecord';
import { isTerminal, RuntimeStatus } from '../store/RuntimeStatus';
import { InstanceStore } from '../store/InstanceStore';
import { ControlMessage, eventMessageId, WorkItemMessage } from '../store/QueueMessages';
import { MAX_VISIBILITY_SECONDS, ReceivedMessage, TaskHubQueue } from '../store/TaskHubQueue';
import { grantLock, REMEMBERED_REQUESTS, runEntityBatch } from './EntityRunner';
import { EntitySchedulerState, receiveEntityMessages, takeEntityBatch } from '../entities/EntityScheduler';
import { EpisodeWorkPoster } from './EpisodeWorkPoster';
import { QueuePoller } from './QueuePoller';
import { runLimited } from './runLimited';

export interface OrchestrationDispatcherOptions {
  orchestrators: Map<string, FunctionRegistration>;
  entities: Map<string, FunctionRegistration>;
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
/** Redeliveries an out-of-order message waits for its history (about 50 s with the delays below) before it is judged stale. */
const OUT_OF_ORDER_REDELIVERIES = 12;

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
  /** The instance row and history this host last committed; the commit's If-Match catches a stale copy. */
  private readonly cache = new Map<string, { record: InstanceRecord; history: RecordedEvent[]; completed?: Set<number> }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly episodesDone = new Set<Promise<void>>();
  private held = 0;
  /** Executions known to be over (bounded): their pending activities need not run. */
  private readonly finished = new Set<string>();

  private readonly work: EpisodeWorkPoster;

  constructor(private readonly o: OrchestrationDispatcherOptions) {
    this.work = new EpisodeWorkPoster({
      workItems: o.workItems, client: o.client, scheduled: o.scheduled,
      timerDue: (ms) => this.later(ms, () => this.poller.nudge()),
    });
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

  /** Whether this host saw the execution end (a restarted host does not know; the activity then just runs). */
  /** Task ids completed in the history this host last committed for the execution, if it has it. */
  completedTasks(instanceId: string, executionId: string): Set<number> | undefined {
    const c = this.cache.get(instanceId);
    return c && c.record.executionId === executionId ? c.completed : undefined;
  }

  isFinished(instanceId: string, executionId: string): boolean {
    return this.finished.has(`${instanceId}|${executionId}`);
  }

  private markFinished(instanceId: string, executionId: string): void {
    if (this.finished.size > 10000) this.finished.delete(this.finished.values().next().value!);
    this.finished.add(`${instanceId}|${executionId}`);
  }

  private async fetch(max: number): Promise<number> {
    const messages = await this.o.control.receive(max, this.o.visibilitySeconds);
    for (const m of messages) {
      const e = m.body.events[0];
      const early = e?.EventType === HistoryEventType.TimerFired ? Date.parse(e.FireAt!) - Date.now() : 0;
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
        if (e instanceof DurableStoreError && e.code === 'EtagMismatch' && batch.length) {
          // Someone else changed the row (or our copy was stale): redo at once from a fresh read.
          this.o.logger.log('debug', `Episode of ${id} lost a race; retrying with fresh state.`);
          this.buffers.set(id, [...batch, ...(this.buffers.get(id) ?? [])]);
          this.held += batch.length;
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        this.o.logger.log('warning', `Episode of ${id} did not commit (its messages will be redelivered): ${(e as Error).stack ?? e}`);
      }
    }
  }

  /**
   * An entity's turn: take in what arrived (operations, lock requests, releases), run what may
   * run now (everything while unlocked, only the holder's operations while locked), grant a lock
   * request when its turn comes, and commit the state and the waiting queue.
   */
  private async entityEpisode(instanceId: string, batch: Held[]): Promise<void> {
    const now = new Date();
    const { name } = parseEntityInstanceId(instanceId);
    const rec: InstanceRecord = this.cache.get(instanceId)?.record ?? await this.o.store.read(instanceId) ?? {
      instanceId, name, version: '', executionId: '', runtimeStatus: 'Running', input: 'null', createdTime: now, lastUpdatedTime: now,
      historyCount: 0, parked: [], entity: { exists: false, processed: [] },
    };
    const before = rec.entity ?? { exists: false, processed: [] };
    const seen = new Set(before.processed);
    const received = receiveEntityMessages({ queue: before.queue ?? [], lockedBy: before.lockedBy, lockId: before.lockId }, batch.flatMap((m) => m.body.events), seen);
    let entity: NonNullable<InstanceRecord['entity']> = { ...before, ...received };
    for (;;) {
      const { batch: ops, lock, rest } = takeEntityBatch(entity as EntitySchedulerState);
      if (ops.length === 0 && !lock) break;
      if (ops.length) entity = { ...entity, ...await runEntityBatch({ rec: { ...rec, entity }, requests: ops, fn: this.o.entities.get(name), invoker: this.o.invoker, client: this.o.client }) };
      entity = { ...entity, queue: rest };
      if (lock) entity = { ...entity, ...await grantLock(instanceId, lock, this.o.client) };
    }
    entity = { ...entity, processed: [...before.processed, ...[...seen].filter((id) => !before.processed.includes(id))].slice(-REMEMBERED_REQUESTS) };
    if (JSON.stringify(entity) !== JSON.stringify(before)) {
      const next: InstanceRecord = { ...rec, entity, lastUpdatedTime: now };
      const etag = rec.etag ? await this.o.store.replace(next, rec.etag) : await this.o.store.insert(next);
      if (!etag) throw new DurableStoreError('EtagMismatch', `Entity ${instanceId} was created concurrently.`, { retryable: true });
      this.cache.set(instanceId, { record: { ...next, etag }, history: [] });
    }
    await this.deleteAll(batch);
  }

  private async episode(instanceId: string, received: Held[], fresh = false): Promise<void> {
    if (isEntityInstanceId(instanceId)) return this.entityEpisode(instanceId, received);
    const now = new Date();
    const cached = fresh ? undefined : this.cache.get(instanceId);
    const rec = cached?.record ?? await this.o.store.read(instanceId);
    if (!rec) {
      await this.deleteAll(received);
      return;
    }
    const past = cached?.history ?? await this.o.store.readHistory(instanceId, rec.executionId, rec.historyCount);
    const book = readExecutionBook(past);
    const early = received.map((m) => ({ m, why: outOfOrderReason(book, rec.executionId, m.body) })).filter((x) => x.why);
    // Another host may have moved the instance on since this host cached it: read it afresh once.
    if (early.length && cached) return this.episode(instanceId, received, true);
    const waiting = early.filter((x) => x.m.dequeueCount < OUT_OF_ORDER_REDELIVERIES);
    for (const x of waiting) this.o.logger.log('debug', `Control message for ${instanceId} is early (${x.why}); it waits for the episode that sent it to commit.`);
    await runLimited(waiting, SEND_PARALLELISM, (x) => this.o.control.extend(x.m, Math.min(x.m.dequeueCount, 5)));
    const batch = received.filter((m) => !waiting.some((x) => x.m === m));
    if (batch.length === 0) return;
    const seen = book.messageIds;
    for (const p of rec.parked) if (p.meta?.messageId) seen.add(p.meta.messageId);

    let status: RuntimeStatus = rec.runtimeStatus;
    let parked = rec.parked;
    let incoming: RecordedEvent[] = [];
    const appended: RecordedEvent[] = [];
    const commands: EpisodeCommand[] = [];
    const apply = (d: ControlDecision) => { appended.push(...d.appended); commands.push(...d.commands); status = d.runtimeStatus; };

    for (const { body: b } of batch) {
      b.events.forEach((event, i) => {
        const messageId = eventMessageId(b, i);
        // Work results belong to the execution that asked for them; what clients send (events,
        // terminate, suspend, resume) goes to the instance, whichever execution is current.
        if (b.executionId !== rec.executionId && !CLIENT_EVENTS.has(event.EventType)) return;
        if (isTerminal(status) || seen.has(messageId)) return;
        seen.add(messageId);
        const r: RecordedEvent = { event, meta: { messageId } };
        switch (event.EventType) {
          case HistoryEventType.ExecutionTerminated:
            apply(decideTermination(JSON.parse(event.Input ?? '""') as string, now, r.meta));
            break;
          case HistoryEventType.ExecutionSuspended:
            if (status === 'Running' || status === 'Pending') apply(decideSuspension(event.Reason ?? '', now, r.meta));
            break;
          case HistoryEventType.ExecutionResumed:
            if (status === 'Suspended') {
              apply(decideResumption(event.Reason ?? '', now, r.meta));
              incoming = [...parked, ...incoming];
              parked = [];
            }
            break;
          default:
            incoming.push(r);
        }
      });
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

    // Work and history rows both precede the commit (their order among themselves does not matter).
    await Promise.all([this.work.post(rec, next, commands, now), this.o.store.writeHistory(instanceId, rec.executionId, rec.historyCount, appended)]);
    const etag = await this.o.store.replace(next, rec.etag!);
    const history = again ? [] : [...past, ...appended];
    this.cache.set(instanceId, { record: { ...next, etag }, history, completed: readExecutionBook(history).completed });
    if (isTerminal(status)) this.cache.delete(instanceId);
    if (isTerminal(status) || again) this.markFinished(instanceId, rec.executionId);
    this.deleteLater(batch);
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

  /** Deletes committed messages without holding up the next episode (a redelivered one is recognised). */
  private deleteLater(batch: Held[]): void {
    const p = this.deleteAll(batch)
      .catch((e) => this.o.logger.log('debug', `Deleting handled control messages failed: ${(e as Error).message}`))
      .finally(() => this.episodesDone.delete(p));
    this.episodesDone.add(p);
  }

  private async deleteAll(batch: Held[]): Promise<void> {
    await runLimited(batch, SEND_PARALLELISM, (m) => this.o.control.delete(m));
  }
}
