import { ActionType } from '../actions/ActionType';
import { OrchestratorAction } from '../actions/OrchestratorAction';
import { entityInstanceId, EntityRelease, EntityRequest, RELEASE_EVENT_NAME } from '../entities/EntityRequest';
import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { BUILTIN_HTTP_ACTIVITY } from '../actions/BuiltInActivities';
import { EpisodeCommand } from './EpisodeCommand';
import { RecordedEvent } from './RecordedEvent';

/** What scheduling one new action produces: its history event and, maybe, a command. */
export interface Materialized {
  recorded: RecordedEvent;
  command?: EpisodeCommand;
}

export interface MaterializeContext {
  instanceId: string;
  now: Date;
}

type Materializer = (action: OrchestratorAction, id: number, ctx: MaterializeContext) => Materialized;

/**
 * callEntity / signalEntity: an EventSent whose Input is the request (the library reads its id
 * to match the response, an EventRaised named after it). The id is derived from the episode
 * time and the task id, so it is stable and unique across executions.
 */
const entityOperation: Materializer = (a, id, { now, instanceId }) => {
  const signal = a.actionType === ActionType.SignalEntity;
  const request: EntityRequest = {
    id: `${instanceId}:${now.getTime()}:${id}`, op: a.operation!, signal,
    input: a.input === undefined ? undefined : JSON.stringify(a.input), parent: signal ? undefined : instanceId,
  };
  return {
    recorded: { event: historyEvent(HistoryEventType.EventSent, now, { EventId: id, InstanceId: a.instanceId!, Name: a.operation!, Input: JSON.stringify(request) }) },
    command: { kind: 'sendEntityOperation', entityInstanceId: a.instanceId!, request },
  };
};

/**
 * context.df.lock: the lock request goes to the first entity of the sorted lock set (the
 * extension's LockAsync); each entity that grants it passes it on, the last one answers with an
 * EventRaised named after the request id. The EventSent carries the request so the library
 * matches that answer to the lock task.
 */
const lockEntities: Materializer = (a, id, { now, instanceId }) => {
  const lockset = (a.lockSet ?? []).map((e) => entityInstanceId(e.name, e.key));
  const request: EntityRequest = { id: a.lockRequestId!, op: '', signal: false, parent: instanceId, lockset, pos: 0 };
  return {
    recorded: { event: historyEvent(HistoryEventType.EventSent, now, { EventId: id, InstanceId: lockset[0], Name: 'op', Input: JSON.stringify(request) }) },
    command: { kind: 'sendEntityOperation', entityInstanceId: lockset[0], request },
  };
};

/** lock.release(): one release message per locked entity (taskIdLeaves made one leaf each). */
const releaseEntity: Materializer = (a, id, { now, instanceId }) => {
  const release: EntityRelease = { parent: instanceId, id: a.lockRequestId ?? '' };
  return {
    recorded: { event: historyEvent(HistoryEventType.EventSent, now, { EventId: id, InstanceId: a.instanceId!, Name: RELEASE_EVENT_NAME, Input: JSON.stringify(release) }) },
    command: { kind: 'releaseEntity', entityInstanceId: a.instanceId!, release },
  };
};

/** Activity and ContinueAsNew string inputs arrive JSON-encoded already; everything else raw. */
export function preEncodedInput(input: unknown): string {
  return typeof input === 'string' ? input : toJsonText(input);
}

export function toJsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Default id of a sub-orchestration the orchestrator did not name: parent id and task id. */
export function subOrchestrationInstanceId(parentInstanceId: string, taskId: number): string {
  return `${parentInstanceId}:${taskId.toString(16).toUpperCase().padStart(4, '0')}`;
}

const activity: Materializer = (a, id, { now }) => {
  const input = preEncodedInput(a.input);
  return {
    recorded: {
      event: historyEvent(HistoryEventType.TaskScheduled, now, { EventId: id, Name: a.functionName!, Input: input }),
      meta: a.retryOptions ? { retry: { group: id, attempt: 1, role: 'attempt', options: a.retryOptions } } : undefined,
    },
    command: { kind: 'scheduleActivity', taskId: id, name: a.functionName!, input },
  };
};

/** callHttp: the extension's built-in HTTP activity, recorded and run like an activity. */
const httpCall: Materializer = (a, id, { now }) => {
  const input = JSON.stringify(a.httpRequest ?? {});
  return {
    recorded: { event: historyEvent(HistoryEventType.TaskScheduled, now, { EventId: id, Name: BUILTIN_HTTP_ACTIVITY, Input: input }) },
    command: { kind: 'scheduleActivity', taskId: id, name: BUILTIN_HTTP_ACTIVITY, input },
  };
};

const subOrchestration: Materializer = (a, id, { now, instanceId }) => {
  const input = toJsonText(a.input);
  const child = a.instanceId ?? subOrchestrationInstanceId(instanceId, id);
  return {
    recorded: {
      event: historyEvent(HistoryEventType.SubOrchestrationInstanceCreated, now, { EventId: id, Name: a.functionName!, InstanceId: child, Input: input }),
      meta: a.retryOptions ? { retry: { group: id, attempt: 1, role: 'attempt', options: a.retryOptions } } : undefined,
    },
    command: { kind: 'startSubOrchestration', taskId: id, name: a.functionName!, instanceId: child, input },
  };
};

const timer: Materializer = (a, id, { now }) => {
  const fireAt = new Date(a.fireAt!).toISOString();
  return {
    recorded: { event: historyEvent(HistoryEventType.TimerCreated, now, { EventId: id, FireAt: fireAt }) },
    command: a.isCanceled ? undefined : { kind: 'createTimer', timerId: id, fireAt },
  };
};

/**
 * How each id-consuming action becomes history and work. An action missing here is not
 * supported by the local host; decideEpisode fails the instance naming it.
 */
export const actionMaterializers: Partial<Record<ActionType, Materializer>> = {
  [ActionType.CallActivity]: activity,
  [ActionType.CallActivityWithRetry]: activity,
  [ActionType.CallSubOrchestrator]: subOrchestration,
  [ActionType.CallSubOrchestratorWithRetry]: subOrchestration,
  [ActionType.CreateTimer]: timer,
  [ActionType.CallHttp]: httpCall,
  [ActionType.CallEntity]: entityOperation,
  [ActionType.SignalEntity]: entityOperation,
  [ActionType.LockEntities]: lockEntities,
  [ActionType.ReleaseEntities]: releaseEntity,
};

/** The kind of scheduling event each action type records (for the determinism check). */
export const scheduledEventOf: Partial<Record<ActionType, HistoryEventType>> = {
  [ActionType.CallActivity]: HistoryEventType.TaskScheduled,
  [ActionType.CallActivityWithRetry]: HistoryEventType.TaskScheduled,
  [ActionType.CallSubOrchestrator]: HistoryEventType.SubOrchestrationInstanceCreated,
  [ActionType.CallSubOrchestratorWithRetry]: HistoryEventType.SubOrchestrationInstanceCreated,
  [ActionType.CreateTimer]: HistoryEventType.TimerCreated,
  [ActionType.CallHttp]: HistoryEventType.TaskScheduled,
  [ActionType.CallEntity]: HistoryEventType.EventSent,
  [ActionType.SignalEntity]: HistoryEventType.EventSent,
  [ActionType.LockEntities]: HistoryEventType.EventSent,
  [ActionType.ReleaseEntities]: HistoryEventType.EventSent,
};
