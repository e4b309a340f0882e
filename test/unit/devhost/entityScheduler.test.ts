import { entityReleaseEvent, entityRequestEvent, EntityRequest } from '../../../devhost/durable/entities/EntityRequest';
import { EntitySchedulerState, receiveEntityMessages, takeEntityBatch } from '../../../devhost/durable/entities/EntityScheduler';

const op = (id: string, parent?: string): EntityRequest => ({ id, op: 'add', signal: parent === undefined, parent });
const lockReq = (id: string, parent: string): EntityRequest => ({ id, op: '', signal: false, parent, lockset: ['@account@a'], pos: 0 });

describe('entity critical sections (the extension\'s SchedulerState rules)', () => {
  it('while locked, only the holder\'s operations run; everyone else\'s wait in arrival order', () => {
    const locked: EntitySchedulerState = { queue: [], lockedBy: 'orch1', lockId: 'L1' };
    const s = receiveEntityMessages(locked, [entityRequestEvent(op('s1')), entityRequestEvent(op('c1', 'orch1')), entityRequestEvent(op('c2', 'orch2'))], new Set());
    expect(s.queue.map((r) => r.id)).toEqual(['c1', 's1', 'c2']);
    const next = takeEntityBatch(s);
    expect(next.batch.map((r) => r.id)).toEqual(['c1']);
    expect(next.rest.map((r) => r.id)).toEqual(['s1', 'c2']);
  });

  it('a release from the holder (with its lock id) unlocks; a stale or foreign release does not', () => {
    const locked: EntitySchedulerState = { queue: [op('s1')], lockedBy: 'orch1', lockId: 'L1' };
    expect(receiveEntityMessages(locked, [entityReleaseEvent({ parent: 'orch2', id: 'L1' })], new Set()).lockedBy).toBe('orch1');
    expect(receiveEntityMessages(locked, [entityReleaseEvent({ parent: 'orch1', id: 'L0' })], new Set()).lockedBy).toBe('orch1');
    const free = receiveEntityMessages(locked, [entityReleaseEvent({ parent: 'orch1', id: 'L1' })], new Set());
    expect(free.lockedBy).toBeUndefined();
    expect(takeEntityBatch(free).batch.map((r) => r.id)).toEqual(['s1']);
  });

  it('a batch stops at a lock request, which is granted after the operations before it', () => {
    const s: EntitySchedulerState = { queue: [op('s1'), lockReq('L2', 'orch2'), op('s2')] };
    const next = takeEntityBatch(s);
    expect(next).toMatchObject({ batch: [{ id: 's1' }], lock: { id: 'L2' }, rest: [{ id: 's2' }] });
  });

  it('drops a redelivered request', () => {
    const seen = new Set(['s1']);
    expect(receiveEntityMessages({ queue: [] }, [entityRequestEvent(op('s1')), entityRequestEvent(op('s2'))], seen).queue.map((r) => r.id)).toEqual(['s2']);
  });
});
