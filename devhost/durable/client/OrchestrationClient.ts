import { randomUUID } from 'node:crypto';
import { historyEvent, HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { RecordedEvent } from '../replay/RecordedEvent';
import { DurableStoreError } from '../store/DurableStoreError';
import { InstanceQuery, InstanceStore } from '../store/InstanceStore';
import { InstanceRecord, ParentLink } from '../store/InstanceRecord';
import { isTerminal } from '../store/RuntimeStatus';
import { EntityRequest, entityRequestEvent, isEntityInstanceId } from '../entities/EntityRequest';
import { decideRewind } from '../replay/decideRewind';
import { ControlMessage, WorkItemMessage } from '../store/QueueMessages';
import { TaskHubQueue } from '../store/TaskHubQueue';

export interface StartOptions {
  name: string;
  instanceId?: string;
  /** JSON text of the input ('null' when none). */
  input: string;
  version?: string;
  parent?: ParentLink;
}

/**
 * The operations behind the Durable client API: they write the instance table and post to the
 * control queue; the orchestration dispatcher does the rest. Errors are DurableStoreError codes.
 */
export class OrchestrationClient {
  constructor(
    private readonly store: InstanceStore,
    private readonly control: TaskHubQueue<ControlMessage>,
    private readonly workItems: TaskHubQueue<WorkItemMessage>,
    private readonly orchestrators: ReadonlySet<string>,
    /** Called after posting to the control queue (wakes the local dispatcher). */
    private readonly posted: () => void,
  ) {}

  /**
   * Creates (or, when the old one finished, replaces) an instance and posts its
   * ExecutionStarted. The row is written first; a crash before the post leaves a Pending row
   * with no history, which `resendPendingStarts` re-posts on the next start.
   */
  async start(o: StartOptions): Promise<InstanceRecord> {
    if (!this.orchestrators.has(o.name.toLowerCase())) {
      throw new DurableStoreError('OrchestratorNotFound', `No orchestrator function named '${o.name}' is registered in this app.`);
    }
    const instanceId = o.instanceId ?? randomUUID().replace(/-/g, '');
    if (/[/\\#?]/.test(instanceId) || instanceId.length === 0 || instanceId.length > 256) {
      throw new DurableStoreError('InvalidRequest', `Instance id '${instanceId}' is invalid: use 1-256 characters without / \\ # ?.`);
    }
    const now = new Date();
    const record: InstanceRecord = {
      instanceId, name: o.name, version: o.version ?? '', executionId: randomUUID().replace(/-/g, ''), runtimeStatus: 'Pending',
      input: o.input, createdTime: now, lastUpdatedTime: now, parent: o.parent, historyCount: 0, parked: [],
    };
    let etag = await this.store.insert(record);
    if (!etag) {
      const existing = await this.store.read(instanceId);
      if (existing && !isTerminal(existing.runtimeStatus)) {
        if (o.parent && existing.parent?.instanceId === o.parent.instanceId && existing.parent.taskId === o.parent.taskId) {
          await this.postStart(existing);
          return existing; // a parent's retried episode asking again for the same child
        }
        throw new DurableStoreError('InstanceExists', `An instance with id '${instanceId}' already exists and is ${existing.runtimeStatus}; use another id or wait until it finishes.`);
      }
      etag = existing ? await this.store.replace(record, existing.etag!) : await this.store.insert(record);
      if (!etag) throw new DurableStoreError('InstanceExists', `Instance '${instanceId}' was created concurrently; try again.`, { retryable: true });
      if (existing) void this.store.deleteHistory(instanceId).catch(() => undefined);
    }
    record.etag = etag;
    await this.postStart(record);
    return record;
  }

  private async postStart(r: InstanceRecord): Promise<void> {
    await this.post(r, startedEvent(r, r.input));
  }

  /** Posts events to an instance in one message (so they arrive together and in order). */
  async post(r: Pick<InstanceRecord, 'instanceId' | 'executionId'>, events: RecordedEvent['event'] | Array<RecordedEvent['event']>, delaySeconds = 0): Promise<void> {
    await this.control.send({ id: randomUUID(), instanceId: r.instanceId, executionId: r.executionId, events: Array.isArray(events) ? events : [events] }, delaySeconds);
    this.posted();
  }

  async get(instanceId: string): Promise<InstanceRecord> {
    const r = await this.store.read(instanceId);
    if (!r) throw new DurableStoreError('InstanceNotFound', `No instance with id '${instanceId}' exists in this task hub.`);
    return r;
  }

  async history(r: InstanceRecord): Promise<RecordedEvent[]> {
    return this.store.readHistory(r.instanceId, r.executionId, r.historyCount);
  }

  /** Raises an external event; 404 for unknown and InstanceFinished for finished instances. */
  async raiseEvent(instanceId: string, name: string, input: string): Promise<void> {
    const r = await this.running(instanceId, 'raise an event to');
    await this.post(r, historyEvent(HistoryEventType.EventRaised, new Date(), { Name: name, Input: input }));
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const r = await this.running(instanceId, 'terminate');
    await this.post(r, historyEvent(HistoryEventType.ExecutionTerminated, new Date(), { Input: JSON.stringify(reason) }));
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    const r = await this.running(instanceId, 'suspend');
    await this.post(r, historyEvent(HistoryEventType.ExecutionSuspended, new Date(), { Reason: reason }));
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    const r = await this.running(instanceId, 'resume');
    await this.post(r, historyEvent(HistoryEventType.ExecutionResumed, new Date(), { Reason: reason }));
  }

  /**
   * Rewinds a failed instance: a new execution id, its history without the failures, the
   * failed activities and sub-orchestrations posted again, then the row committed under
   * If-Match. A crash before the commit leaves the instance Failed (rewind again).
   */
  async rewind(instanceId: string): Promise<void> {
    const r = await this.get(instanceId);
    if (r.runtimeStatus === 'Completed' || r.runtimeStatus === 'Terminated') {
      // The extension (HttpApiHandler, v2.13.7) answers 410 Gone for a finished instance.
      throw new DurableStoreError('InstanceFinished', `Instance '${instanceId}' is ${r.runtimeStatus}; only failed instances can be rewound.`);
    }
    if (r.runtimeStatus !== 'Failed') {
      throw new DurableStoreError('InstanceNotFailed', `Instance '${instanceId}' is ${r.runtimeStatus}; only failed instances can be rewound.`);
    }
    const executionId = randomUUID().replace(/-/g, '');
    const d = decideRewind(await this.history(r), executionId);
    if (!d) throw new DurableStoreError('NotSupported', `Instance '${instanceId}' failed in a task with a retry policy; funclocal cannot rewind those. Start a new instance instead.`);
    const next: InstanceRecord = { ...r, executionId, runtimeStatus: 'Running', output: undefined, historyCount: d.history.length, lastUpdatedTime: new Date() };
    const activities = d.rerun.filter((e) => e.EventType === HistoryEventType.TaskScheduled);
    if (activities.length) {
      await this.workItems.send({ id: randomUUID(), instanceId, executionId, tasks: activities.map((e) => ({ taskId: e.EventId, name: e.Name!, input: e.Input ?? 'null' })) });
    }
    for (const e of d.rerun.filter((x) => x.EventType === HistoryEventType.SubOrchestrationInstanceCreated)) {
      await this.start({ name: e.Name!, instanceId: e.InstanceId, input: e.Input ?? 'null', parent: { instanceId, executionId, taskId: e.EventId, name: r.name } });
    }
    await this.store.writeHistory(instanceId, executionId, 0, d.history);
    await this.store.replace(next, r.etag!);
    void this.store.deleteHistory(instanceId, r.executionId).catch(() => undefined);
    this.posted();
  }

  /** Deletes a finished instance and its history; running ones must be terminated first. */
  async purge(instanceId: string): Promise<number> {
    const r = await this.get(instanceId);
    if (!isTerminal(r.runtimeStatus)) {
      throw new DurableStoreError('InstanceRunning', `Instance '${instanceId}' is ${r.runtimeStatus}; terminate it before purging its history.`);
    }
    await this.store.deleteHistory(instanceId);
    await this.control.largeMessages?.deleteInstance(instanceId);
    await this.store.delete(instanceId, r.etag);
    return 1;
  }

  async purgeWhere(q: InstanceQuery): Promise<number> {
    let n = 0;
    for await (const r of this.store.all(q)) {
      if (!isTerminal(r.runtimeStatus)) continue;
      await this.store.deleteHistory(r.instanceId);
      await this.control.largeMessages?.deleteInstance(r.instanceId);
      await this.store.delete(r.instanceId, r.etag);
      n++;
    }
    return n;
  }

  /** A page of orchestration instances (entities are left out, as the Durable API does). */
  async query(q: InstanceQuery, pageSize: number, continuationToken?: string) {
    const page = await this.store.query(q, pageSize, continuationToken);
    return { ...page, instances: page.instances.filter((r) => !isEntityInstanceId(r.instanceId)) };
  }

  /** Sends an operation to an entity (`@name@key`); the entity is created by its first operation. */
  async signalEntity(entityId: string, ...requests: EntityRequest[]): Promise<void> {
    await this.postToEntity(entityId, requests.map((request) => entityRequestEvent(request)));
  }

  /** Operations, lock requests and releases for one entity, in one message, in order. */
  async postToEntity(entityId: string, events: HistoryEvent[]): Promise<void> {
    await this.post({ instanceId: entityId, executionId: '' }, events);
  }

  /** An entity's state, or undefined when it does not exist. */
  async readEntity(entityId: string): Promise<{ state: unknown } | undefined> {
    const r = await this.store.read(entityId);
    if (!r?.entity?.exists) return undefined;
    return { state: r.entity.state === undefined ? null : JSON.parse(r.entity.state) };
  }

  /** Re-posts ExecutionStarted for instances whose start message a crash may have lost. */
  async resendPendingStarts(): Promise<number> {
    let n = 0;
    for await (const r of this.store.all({ runtimeStatus: ['Pending'] })) {
      if (r.historyCount === 0) { await this.postStart(r); n++; }
    }
    return n;
  }

  private async running(instanceId: string, verb: string): Promise<InstanceRecord> {
    const r = await this.get(instanceId);
    if (isTerminal(r.runtimeStatus)) {
      throw new DurableStoreError('InstanceFinished', `Cannot ${verb} instance '${instanceId}': it is ${r.runtimeStatus}.`);
    }
    return r;
  }
}

/** The ExecutionStarted event of an execution. */
export function startedEvent(r: Pick<InstanceRecord, 'instanceId' | 'executionId' | 'name' | 'version' | 'parent'>, input: string) {
  return historyEvent(HistoryEventType.ExecutionStarted, new Date(), {
    OrchestrationInstance: { InstanceId: r.instanceId, ExecutionId: r.executionId },
    ParentInstance: r.parent
      ? { Name: r.parent.name, OrchestrationInstance: { InstanceId: r.parent.instanceId, ExecutionId: r.parent.executionId }, TaskScheduleId: r.parent.taskId }
      : null,
    Name: r.name, Version: r.version, Input: input,
  });
}
