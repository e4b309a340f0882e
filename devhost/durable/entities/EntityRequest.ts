import { historyEvent, HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';

/**
 * One operation sent to a Durable entity (the library's RequestMessage), carried as the JSON
 * `Input` of an EventRaised control message to the entity's instance `@name@key`.
 */
export interface EntityRequest {
  /** Request id: the caller's response arrives as an EventRaised named after it. */
  id: string;
  op: string;
  signal: boolean;
  /** JSON text of the operation input, or undefined. */
  input?: string;
  /** The calling orchestration (absent for signals from clients). */
  parent?: string;
  /**
   * A lock request (the extension's RequestMessage `lockset`/`pos`): the entities to lock, as
   * `@name@key`, sorted; `pos` is the one this message is for. The last one answers the parent.
   */
  lockset?: string[];
  pos?: number;
}

/** The extension's ReleaseMessage: the lock holder gives an entity back (EventRaised "release"). */
export interface EntityRelease {
  parent: string;
  /** The lock request id the lock was granted for. */
  id: string;
}

/** EventRaised name of a release message, as the extension's EntityMessageEventNames. */
export const RELEASE_EVENT_NAME = 'release';

/** `@name@key` as the library spells an entity's instance id (name lower-cased). */
export function entityInstanceId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

export function isEntityInstanceId(instanceId: string): boolean {
  return instanceId.startsWith('@') && instanceId.indexOf('@', 1) > 1;
}

export function parseEntityInstanceId(instanceId: string): { name: string; key: string } {
  const at = instanceId.indexOf('@', 1);
  return { name: instanceId.slice(1, at), key: instanceId.slice(at + 1) };
}

/** The control-queue events that carry operations and releases to an entity, in order. */
export function entityRequestEvent(request: EntityRequest, now = new Date()): HistoryEvent {
  return historyEvent(HistoryEventType.EventRaised, now, { Name: request.id, Input: JSON.stringify(request) });
}

export function entityReleaseEvent(release: EntityRelease, now = new Date()): HistoryEvent {
  return historyEvent(HistoryEventType.EventRaised, now, { Name: RELEASE_EVENT_NAME, Input: JSON.stringify(release) });
}
