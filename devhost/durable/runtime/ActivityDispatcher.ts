import { FunctionInvoker } from '../../core/FunctionInvoker';
import { FunctionRegistration } from '../../core/FunctionRegistration';
import { HostLogger } from '../../core/HostLogger';
import { fromTypedData } from '../../core/TypedData';
import { BUILTIN_HTTP_ACTIVITY } from '../actions/BuiltInActivities';
import { runDurableHttpActivity } from './DurableHttpActivity';
import { LargeMessageStore } from '../store/LargeMessageStore';
import { failureDetailsOf, hostFailureDetails } from '../history/FailureDetails';
import { historyEvent, HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { toJsonText } from '../replay/actionMaterializers';
import { DurableStoreError } from '../store/DurableStoreError';
import { ActivityTask, ControlMessage, WorkItemMessage } from '../store/QueueMessages';
import { ReceivedMessage, TaskHubQueue } from '../store/TaskHubQueue';
import { CompletionBatcher } from './CompletionBatcher';
import { QueuePoller } from './QueuePoller';

export interface ActivityDispatcherOptions {
  activities: Map<string, FunctionRegistration>;
  /** Where callHttp keeps its pending 202 Location across a restart. */
  checkpoints?: LargeMessageStore;
  invoker: FunctionInvoker;
  logger: HostLogger;
  /** Whether the execution is known to be over (then its activities are skipped). */
  isFinished: (instanceId: string, executionId: string) => boolean;
  /**
   * Task ids whose completion the execution's committed history holds, or 'over' when the
   * execution has ended (asked for redelivered work items only).
   */
  completedTasks: (instanceId: string, executionId: string) => Promise<Set<number> | 'over'>;
  /** The same, from what this host committed itself (no storage read); undefined when unknown. */
  knownCompletedTasks: (instanceId: string, executionId: string) => Set<number> | undefined;
  workItems: TaskHubQueue<WorkItemMessage>;
  control: TaskHubQueue<ControlMessage>;
  maxConcurrent: number;
  visibilitySeconds: number;
  maxIdleMs: number;
  /** Called after a completion was posted to the control queue. */
  completed: () => void;
}

/** A work-item message this host holds, with the tasks not yet reported. */
interface HeldItem {
  m: ReceivedMessage<WorkItemMessage>;
  remaining: Map<number, ActivityTask>;
  dirty: boolean;
  /** Serialises writes to the message (rewrite, extend, delete). */
  chain: Promise<void>;
  keeper: NodeJS.Timeout;
}

/**
 * Runs activity work items, at most `maxConcurrent` activities at a time. The order of the
 * steps is the crash guarantee: an activity's completion is posted to its orchestration
 * before the task leaves its work item (the message is rewritten without it, or deleted when
 * empty), so a crash can re-run an activity whose completion was not yet posted (at least
 * once) but never loses one. Held messages stay hidden by extending their visibility.
 */
export class ActivityDispatcher {
  private running = 0;
  private readonly queued: Array<{ item: HeldItem; task: ActivityTask }> = [];
  private readonly held = new Set<HeldItem>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly completions: CompletionBatcher;
  readonly poller: QueuePoller;

  constructor(private readonly o: ActivityDispatcherOptions) {
    this.completions = new CompletionBatcher(o.control, o.completed);
    this.poller = new QueuePoller('activities', (max) => this.fetch(max), () => o.maxConcurrent - this.running - this.queued.length, o.maxIdleMs,
      (e) => o.logger.log('warning', `Activity queue poll failed: ${(e as Error).message}`));
  }

  start(): void {
    this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    this.queued.length = 0;
    await Promise.allSettled([...this.inflight]);
    for (const item of this.held) clearInterval(item.keeper);
  }

  private async fetch(max: number): Promise<number> {
    const messages = await this.o.workItems.receive(Math.min(max, 32), this.o.visibilitySeconds);
    for (const m of messages) {
      const w = m.body;
      const item: HeldItem = { m, remaining: new Map(w.tasks.map((t) => [t.taskId, t])), dirty: false, chain: Promise.resolve(), keeper: undefined as unknown as NodeJS.Timeout };
      const known = this.o.knownCompletedTasks(w.instanceId, w.executionId);
      if (known) {
        for (const id of known) item.remaining.delete(id); // e.g. posted twice by an episode redone after a crash
      } else if (m.dequeueCount > 1) {
        // Back after a crash: tasks whose completion reached the history must not run again.
        const done = await this.o.completedTasks(w.instanceId, w.executionId);
        if (done === 'over') item.remaining.clear();
        else for (const id of done) item.remaining.delete(id);
      }
      if (this.o.isFinished(w.instanceId, w.executionId) || item.remaining.size === 0) {
        await this.o.workItems.delete(m); // the orchestration is over: nobody waits for these results
        continue;
      }
      item.keeper = setInterval(() => this.write(item), Math.max(500, (this.o.visibilitySeconds * 1000) / 3));
      this.held.add(item);
      for (const task of item.remaining.values()) this.queued.push({ item, task });
    }
    this.startMore();
    return messages.length;
  }

  private startMore(): void {
    while (this.running < this.o.maxConcurrent && this.queued.length) {
      const { item, task } = this.queued.shift()!;
      this.running++;
      const p = this.run(item, task)
        .catch((e) => this.o.logger.log('warning', `Activity ${task.name} for ${item.m.body.instanceId} will be retried: ${(e as Error).message}`))
        .finally(() => { this.running--; this.inflight.delete(p); this.startMore(); this.poller.nudge(); });
      this.inflight.add(p);
    }
  }

  private async run(item: HeldItem, task: ActivityTask): Promise<void> {
    const w = item.m.body;
    const event = await this.invoke(w.instanceId, w.executionId, task);
    try {
      await this.completions.post(w.instanceId, w.executionId, event);
    } catch (e) {
      if (!(e instanceof DurableStoreError) || e.code !== 'PayloadTooLarge') throw e;
      // A result too large for a message would be retried forever: report it as the activity's failure.
      await this.completions.post(w.instanceId, w.executionId, historyEvent(HistoryEventType.TaskFailed, new Date(), {
        TaskScheduledId: task.taskId, Reason: `Activity function '${task.name}' failed: ${e.message}`, Details: e.code,
        FailureDetails: hostFailureDetails(e.code, e.message),
      }));
    }
    item.remaining.delete(task.taskId);
    item.dirty = true;
    if (item.remaining.size === 0) this.write(item);
    else setTimeout(() => this.write(item), 100).unref(); // let neighbours finish: one rewrite for several
  }

  /** Extends a held message, rewriting it without reported tasks, or deletes it once all are reported. */
  private write(item: HeldItem): void {
    item.chain = item.chain.then(async () => {
      if (!this.held.has(item)) return;
      if (item.remaining.size === 0) {
        clearInterval(item.keeper);
        this.held.delete(item);
        await this.o.workItems.delete(item.m);
      } else if (item.dirty) {
        item.dirty = false;
        await this.o.workItems.extend(item.m, this.o.visibilitySeconds, { ...item.m.body, tasks: [...item.remaining.values()] });
      } else {
        await this.o.workItems.extend(item.m, this.o.visibilitySeconds);
      }
    }).catch((e) => this.o.logger.log('debug', `Work item ${item.m.messageId} could not be updated: ${(e as Error).message}`));
  }

  private async invoke(instanceId: string, executionId: string, task: ActivityTask): Promise<HistoryEvent> {
    try {
      if (task.name === BUILTIN_HTTP_ACTIVITY) {
        const store = this.o.checkpoints;
        const response = await runDurableHttpActivity(task.input, undefined, store && {
          load: () => store.getTaskCheckpoint(instanceId, executionId, task.taskId),
          save: (uri) => store.setTaskCheckpoint(instanceId, executionId, task.taskId, uri),
        });
        return historyEvent(HistoryEventType.TaskCompleted, new Date(), { TaskScheduledId: task.taskId, Result: JSON.stringify(response) });
      }
      const fn = this.o.activities.get(task.name.toLowerCase());
      if (!fn) throw new Error(`No activity function named '${task.name}' is registered in this app.`);
      const response = await this.o.invoker.invoke(fn, {
        inputData: [{ name: fn.trigger.name, data: { string: task.input } }],
        triggerMetadata: { instanceId: { string: instanceId } },
      });
      return historyEvent(HistoryEventType.TaskCompleted, new Date(), { TaskScheduledId: task.taskId, Result: toJsonText(fromTypedData(response.returnValue)) });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return historyEvent(HistoryEventType.TaskFailed, new Date(), {
        TaskScheduledId: task.taskId, Reason: `Activity function '${task.name}' failed: ${err.message}`, Details: err.stack ?? err.message,
        FailureDetails: failureDetailsOf(e),
      });
    }
  }
}
