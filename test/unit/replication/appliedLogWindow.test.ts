import { APPLIED_LOG_WINDOW, appliedChecksumOf, logChecksum, readReplicaState, ReplicaState, withAppliedLog, writeReplicaState } from '../../../shared/replication';

describe('the applied-log window in the replica state', () => {
  const base: ReplicaState = { epoch: 2n, lastAppliedSequence: 0n, sourceVirtualSize: 1 << 30, seedComplete: true };

  it('keeps the checksums of the last 32 applied sequences, round-trips through blob metadata, and stays well inside its 8 KiB', () => {
    let state = base;
    for (let seq = 1n; seq <= 100n; seq++) {
      state = { ...state, lastAppliedSequence: seq, appliedLogs: withAppliedLog(state, { sequence: seq, sha256: logChecksum(Buffer.from(`log ${seq}`)) }) };
    }
    expect(state.appliedLogs!.map((l) => l.sequence)).toEqual(Array.from({ length: APPLIED_LOG_WINDOW }, (_, i) => BigInt(100 - APPLIED_LOG_WINDOW + 1 + i)));
    const metadata = writeReplicaState({ ...state, protectionId: '6f1c2d3e-0000-4000-8000-123456789abc' }, { other: 'kept' });
    expect(Object.entries(metadata).reduce((n, [k, v]) => n + k.length + v.length, 0)).toBeLessThan(2500);
    const back = readReplicaState(metadata)!;
    expect(back.appliedLogs).toEqual(state.appliedLogs);
    expect(back.protectionId).toBe('6f1c2d3e-0000-4000-8000-123456789abc');
    expect(metadata.other).toBe('kept');
    expect(appliedChecksumOf(back, 100n)).toBe(logChecksum(Buffer.from('log 100')));
    expect(appliedChecksumOf(back, 68n)).toBeUndefined(); // out of the window: the merge cannot verify it
    // A replayed apply of the same sequence replaces its entry rather than adding one.
    expect(withAppliedLog(back, { sequence: 100n, sha256: 'x'.repeat(43) }).filter((l) => l.sequence === 100n)).toHaveLength(1);
  });

  it('reads replicas written before the window as having none', () => {
    const old = readReplicaState({ replicationepoch: '1', lastappliedsequence: '5', sourcevirtualsize: '4096' })!;
    expect([old.appliedLogs, old.protectionId, appliedChecksumOf(old, 5n)]).toEqual([undefined, undefined, undefined]);
  });
});
