import { randomUUID } from 'node:crypto';
import { FunctionInvoker } from '../../core/FunctionInvoker';
import { FunctionRegistration } from '../../core/FunctionRegistration';
import { HostLogger } from '../../core/HostLogger';
import { fromTypedData } from '../../core/TypedData';
import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { toJsonText } from '../replay/actionMaterializers';
import { InstanceStore } from '../store/InstanceStore';
import { isTerminal } from '../store/InstanceRecord';
import { ControlMessage, WorkItemMessage } from '../store/QueueMessages';
import { ReceivedMessage, TaskHubQueue } from '../store/TaskHubQueue';
import { QueuePoller } from './QueuePoller';

export interface ActivityDispatcherOptions {
  activities: Map<string, FunctionRegistration>;
  invoker: FunctionInvoker;
  logger: HostLogger;
  store: InstanceStore;
  workItems: TaskHubQueue<WorkItemMessage>;
  control: TaskHubQueue<ControlMessage>;
  maxConcurrent: number;
  visibilitySeconds: number;
  maxIdleMs: number;
  /** Called after a completion was posted to the control queue. */
  completed: () => void;
}

/**
 * Runs activity work items, at most `maxConcurrent` at a time. The order of the last two steps
 * is the crash guarantee: the completion is posted to the orchestration before the work item is
 * deleted, so a crash can re-run an activity whose completion was not yet posted (at least
 * once) but never loses one; while it runs the item's invisibility is extended.
 */
export class ActivityDispatcher {
  private running = 0;
  private readonly inflight = new Set<Promise<void>>();
  readonly poller: QueuePoller;

  constructor(private readonly o: ActivityDispatcherOptions) {
    this.poller = new QueuePoller('activities', (max) => this.fetch(max), () => o.maxConcurrent - this.running, o.maxIdleMs,
      (e) => o.logger.log('warning', `Activity queue poll failed: ${(e as Error).message}`));
  }

  start(): void {
    this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    await Promise.allSettled([...this.inflight]);
  }

  private async fetch(max: number): Promise<number> {
    const messages = await this.o.workItems.receive(max, this.o.visibilitySeconds);
    for (const m of messages) {
      this.running++;
      const p = this.run(m)
        .catch((e) => this.o.logger.log('warning', `Activity work item ${m.body.name} for ${m.body.instanceId} will be retried: ${(e as Error).message}`))
        .finally(() => { this.running--; this.inflight.delete(p); this.poller.nudge(); });
      this.inflight.add(p);
    }
    return messages.length;
  }

  private async run(m: ReceivedMessage<WorkItemMessage>): Promise<void> {
    const w = m.body;
    const instance = await this.o.store.read(w.instanceId);
    if (!instance || instance.executionId !== w.executionId || isTerminal(instance.runtimeStatus)) {
      await this.o.workItems.delete(m); // the orchestration is gone or over: nobody waits for this result
      return;
    }
    const keeper = setInterval(() => {
      this.o.workItems.extend(m, this.o.visibilitySeconds).catch(() => undefined);
    }, Math.max(500, (this.o.visibilitySeconds * 1000) / 3));
    let event;
    try {
      const fn = this.o.activities.get(w.name.toLowerCase());
      if (!fn) throw new Error(`No activity function named '${w.name}' is registered in this app.`);
      const response = await this.o.invoker.invoke(fn, {
        inputData: [{ name: fn.trigger.name, data: { string: w.input } }],
        triggerMetadata: { instanceId: { string: w.instanceId } },
      });
      event = historyEvent(HistoryEventType.TaskCompleted, new Date(), { TaskScheduledId: w.taskId, Result: toJsonText(fromTypedData(response.returnValue)) });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      event = historyEvent(HistoryEventType.TaskFailed, new Date(), {
        TaskScheduledId: w.taskId, Reason: `Activity function '${w.name}' failed: ${err.message}`, Details: err.stack ?? err.message,
      });
    } finally {
      clearInterval(keeper);
    }
    await this.o.control.send({ id: randomUUID(), instanceId: w.instanceId, executionId: w.executionId, event });
    this.o.completed();
    await this.o.workItems.delete(m);
  }
}
