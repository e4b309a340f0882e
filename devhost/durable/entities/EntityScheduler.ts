import { HistoryEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { EntityRelease, EntityRequest, RELEASE_EVENT_NAME } from './EntityRequest';

/**
 * What an entity keeps besides its user state to serve critical sections, as the extension's
 * SchedulerState (`queue`, `lockedBy`): operations that wait, and who holds the lock.
 */
export interface EntitySchedulerState {
  queue: EntityRequest[];
  /** The orchestration holding this entity's lock. */
  lockedBy?: string;
  /** The lock request id it was granted for (a release must name it). */
  lockId?: string;
}

/**
 * Takes in the messages that arrived for an entity, in order, as the extension's entity
 * dispatcher does: a release from the holder unlocks; the holder's own operations go ahead of
 * everything queued; anyone else's operations (calls, signals, lock requests) join the queue.
 * `seen` filters redelivered requests (and learns the new ids).
 */
export function receiveEntityMessages(state: EntitySchedulerState, events: HistoryEvent[], seen: Set<string>): EntitySchedulerState {
  let { lockedBy, lockId } = state;
  const holders: EntityRequest[] = [];
  const queue = [...state.queue];
  for (const e of events) {
    if (e.EventType !== HistoryEventType.EventRaised) continue;
    if (e.Name === RELEASE_EVENT_NAME) {
      const release = JSON.parse(e.Input ?? 'null') as EntityRelease | null;
      if (release && release.parent === lockedBy && release.id === lockId) { lockedBy = undefined; lockId = undefined; }
      continue;
    }
    const r = JSON.parse(e.Input ?? 'null') as EntityRequest | null;
    if (!r || seen.has(r.id)) continue;
    seen.add(r.id);
    if (lockedBy !== undefined && r.parent === lockedBy) holders.push(r);
    else queue.push(r);
  }
  return { queue: [...holders, ...queue], lockedBy, lockId };
}

/**
 * The next operations to run: from the front of the queue, as long as the entity is free or the
 * request comes from the lock holder, stopping at a lock request (granted after the batch).
 */
export function takeEntityBatch(state: EntitySchedulerState): { batch: EntityRequest[]; lock?: EntityRequest; rest: EntityRequest[] } {
  const batch: EntityRequest[] = [];
  let i = 0;
  for (; i < state.queue.length; i++) {
    const r = state.queue[i];
    if (state.lockedBy !== undefined && r.parent !== state.lockedBy) break;
    if (r.lockset) return { batch, lock: r, rest: state.queue.slice(i + 1) };
    batch.push(r);
  }
  return { batch, rest: state.queue.slice(i) };
}
