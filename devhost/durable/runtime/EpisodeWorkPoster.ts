import { randomUUID } from 'node:crypto';
import { OrchestrationClient, startedEvent } from '../client/OrchestrationClient';
import { entityReleaseEvent, entityRequestEvent } from '../entities/EntityRequest';
import { hostFailureDetails } from '../history/FailureDetails';
import { historyEvent, HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { EpisodeCommand } from '../replay/EpisodeCommand';
import { DurableStoreError } from '../store/DurableStoreError';
import { InstanceRecord } from '../store/InstanceRecord';
import { ActivityTask, WorkItemMessage } from '../store/QueueMessages';
import { TaskHubQueue } from '../store/TaskHubQueue';
import { runLimited } from './runLimited';

const SEND_PARALLELISM = 32;
/** Activities per work-item message at most; small enough to spread over the concurrency slots. */
const TASKS_PER_WORK_ITEM = 16;
const WORK_ITEM_CHARS = 40 * 1024;

/** Splits an episode's activities into work-item messages by count and size. */
function chunkTasks(tasks: ActivityTask[]): ActivityTask[][] {
  const out: ActivityTask[][] = [];
  let chunk: ActivityTask[] = [];
  let chars = 0;
  for (const t of tasks) {
    const size = t.input.length + t.name.length + 40;
    if (chunk.length && (chunk.length >= TASKS_PER_WORK_ITEM || chars + size > WORK_ITEM_CHARS)) { out.push(chunk); chunk = []; chars = 0; }
    chunk.push(t);
    chars += size;
  }
  if (chunk.length) out.push(chunk);
  return out;
}

export interface EpisodeWorkPosterOptions {
  workItems: TaskHubQueue<WorkItemMessage>;
  client: OrchestrationClient;
  /** Called after work items were posted (wakes the activity dispatcher). */
  scheduled: () => void;
  /** Called with the delay until a timer just posted is due (wakes the control poller then). */
  timerDue: (ms: number) => void;
}

/**
 * Carries out an episode's commands: activity work items (several per message), timers,
 * child instances, the parent's notice, the next execution's start, entity operations.
 * It runs before the episode commits, so a crash can duplicate work but never lose it; work
 * that cannot travel (too large) becomes a failure the orchestrator can catch.
 */
export class EpisodeWorkPoster {
  constructor(private readonly o: EpisodeWorkPosterOptions) {}

  /** Posts the episode's work. Runs before the commit, so a crash can duplicate work but never lose it. */
  async post(rec: InstanceRecord, next: InstanceRecord, commands: EpisodeCommand[], now: Date): Promise<void> {
    const tasks = commands.flatMap((c) => (c.kind === 'scheduleActivity' ? [{ taskId: c.taskId, name: c.name, input: c.input }] : []));
    const items = chunkTasks(tasks).map((chunk) => ({ id: randomUUID(), instanceId: rec.instanceId, executionId: rec.executionId, tasks: chunk }));
    // Operations and releases to one entity travel in one message, in the order the orchestrator issued them.
    const toEntities = new Map<string, HistoryEvent[]>();
    for (const c of commands) {
      if (c.kind !== 'sendEntityOperation' && c.kind !== 'releaseEntity') continue;
      const event = c.kind === 'sendEntityOperation' ? entityRequestEvent(c.request, now) : entityReleaseEvent(c.release, now);
      toEntities.set(c.entityInstanceId, [...(toEntities.get(c.entityInstanceId) ?? []), event]);
    }
    const entityPosts = [...toEntities].map(([target, events]) => ({ kind: 'entityOperations' as const, target, events }));
    const rest = commands.filter((c) => c.kind !== 'scheduleActivity' && c.kind !== 'sendEntityOperation' && c.kind !== 'releaseEntity');
    await runLimited([...items.map((w) => ({ kind: 'workItem' as const, w })), ...entityPosts, ...rest], SEND_PARALLELISM, async (c) => {
      switch (c.kind) {
        case 'workItem':
          try {
            await this.o.workItems.send(c.w);
          } catch (e) {
            if (!(e instanceof DurableStoreError) || e.code !== 'PayloadTooLarge') throw e;
            // The input cannot travel: fail those tasks, so the orchestrator sees a catchable error.
            for (const t of c.w.tasks) {
              await this.o.client.post(rec, historyEvent(HistoryEventType.TaskFailed, now, {
                TaskScheduledId: t.taskId, Reason: `Activity function '${t.name}' was not started: ${e.message}`, Details: e.code,
                FailureDetails: hostFailureDetails(e.code, e.message),
              }));
            }
          }
          return;
        case 'createTimer': {
          const wait = Date.parse(c.fireAt) - now.getTime();
          await this.o.client.post(rec, historyEvent(HistoryEventType.TimerFired, now, { TimerId: c.timerId, FireAt: c.fireAt }), Math.max(0, Math.floor(wait / 1000)));
          this.o.timerDue(Math.max(0, wait - 900));
          return;
        }
        case 'startSubOrchestration':
          try {
            await this.o.client.start({ name: c.name, instanceId: c.instanceId, input: c.input, parent: { instanceId: rec.instanceId, executionId: rec.executionId, taskId: c.taskId, name: rec.name } });
          } catch (e) {
            if (!(e instanceof DurableStoreError) || e.retryable) throw e;
            await this.o.client.post(rec, historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, {
              TaskScheduledId: c.taskId, Reason: `Could not start sub-orchestration '${c.name}': ${e.message}`, Details: e.code,
              FailureDetails: hostFailureDetails(e.code, e.message),
            }));
          }
          return;
        case 'complete':
          if (rec.parent) {
            const parent = { instanceId: rec.parent.instanceId, executionId: rec.parent.executionId };
            await this.o.client.post(parent, c.status === 'Completed'
              ? historyEvent(HistoryEventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: rec.parent.taskId, Result: c.output })
              : historyEvent(HistoryEventType.SubOrchestrationInstanceFailed, now, { TaskScheduledId: rec.parent.taskId, Reason: c.failure?.reason ?? 'failed', Details: c.failure?.details ?? '', FailureDetails: c.failure?.failureDetails ?? hostFailureDetails('Error', c.failure?.reason ?? 'failed') }));
          }
          return;
        case 'continueAsNew':
          await this.o.client.post(next, startedEvent(next, c.input));
          return;
        case 'entityOperations':
          await this.o.client.postToEntity(c.target, c.events);
          return;
      }
    });
    if (items.length) this.o.scheduled();
  }

}
