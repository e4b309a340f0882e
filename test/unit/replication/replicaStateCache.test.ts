import { writeReplicaState, type ReplicaState } from '../../../shared/contracts/ReplicaState';
import { ReplicaStateCache } from '../../../shared/replication/core/ReplicaStateCache';

const state = (seq: bigint): ReplicaState => ({ epoch: 2n, lastAppliedSequence: seq, sourceVirtualSize: 1024, seedComplete: true });

describe('ReplicaStateCache', () => {
  it('gives back the state its metadata says, with the ETag it was current at', () => {
    const cache = new ReplicaStateCache();
    cache.set('u1', { etag: '"0x1"', metadata: writeReplicaState(state(7n), { foreign: 'kept' }) });
    expect(cache.get('u1')).toMatchObject({ etag: '"0x1"', state: { epoch: 2n, lastAppliedSequence: 7n }, metadata: { foreign: 'kept' } });
    cache.forget('u1');
    expect(cache.get('u1')).toBeUndefined();
  });

  it('drops the least recently stored replica beyond its capacity', () => {
    const cache = new ReplicaStateCache(2);
    for (const [u, seq] of [['a', 1n], ['b', 2n], ['a', 3n], ['c', 4n]] as const) cache.set(u, { etag: `"${seq}"`, metadata: writeReplicaState(state(seq)) });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.state?.lastAppliedSequence).toBe(3n);
    expect(cache.get('c')?.state?.lastAppliedSequence).toBe(4n);
  });
});
