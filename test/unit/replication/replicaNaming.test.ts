import {
  journalBlob, logFileName, parseDiskRef, parsePendingLogBlob, pendingLogBlob, readReplicaState, replicaBlob,
  sequenceOfLogName, vaultKeyOfSegment, vaultSegmentOf, writeReplicaState,
} from '../../../shared/replication';

describe('replica blob layout', () => {
  const disk = { vault: 'sub~rg~vault1', item: 'vm-sql01', disk: 'disk-0' };
  it('pads sequences to 20 digits so names sort like numbers', () => {
    expect(logFileName(42n)).toBe('00000000000000000042.hrl');
    expect(pendingLogBlob(disk, 9n) < pendingLogBlob(disk, 10n)).toBe(true);
    expect(journalBlob(disk, 2n, 7n)).toBe('sub~rg~vault1/vm-sql01/disk-0/00000000000000000002/00000000000000000007.hrl');
    expect(replicaBlob(disk)).toBe('sub~rg~vault1/vm-sql01/disk-0.vhd');
  });
  it('reads sequences back from padded and plain names, and nothing from other names', () => {
    expect(sequenceOfLogName('00000000000000000042.hrl')).toBe(42n);
    expect(sequenceOfLogName('7.hrl')).toBe(7n);
    for (const bad of ['x.hrl', '42.hrl.tmp', '42', '.hrl', '123456789012345678901.hrl']) expect(sequenceOfLogName(bad)).toBeUndefined();
  });
  it('splits a pending blob name into disk and file, refusing other depths', () => {
    expect(parsePendingLogBlob('a/b/c/1.hrl')).toEqual({ disk: { vault: 'a', item: 'b', disk: 'c' }, fileName: '1.hrl' });
    expect(parsePendingLogBlob('a/b/1.hrl')).toBeUndefined();
    expect(parsePendingLogBlob('a//c/1.hrl')).toBeUndefined();
  });
  it('maps vault keys to one path segment and back', () => {
    expect(vaultSegmentOf('Sub/RG/Vault1')).toBe('sub~rg~vault1');
    expect(vaultKeyOfSegment('sub~rg~vault1')).toBe('sub/rg/vault1');
  });
  it('refuses disk references that would escape their path segment', () => {
    expect(() => parseDiskRef({ vault: 'v', item: '../x', disk: 'd' })).toThrow();
    expect(() => parseDiskRef({ vault: 'v', item: 'i', disk: 'a/b' })).toThrow();
    expect(() => parseDiskRef({ vault: '', item: 'i', disk: 'd' })).toThrow();
    expect(parseDiskRef({ vault: 'v', item: 'i', disk: 'd' })).toEqual({ vault: 'v', item: 'i', disk: 'd' });
  });
});

describe('replica state in blob metadata', () => {
  it('round-trips and keeps foreign keys', () => {
    const state = { epoch: 3n, lastAppliedSequence: 12345678901234n, sourceVirtualSize: 1 << 30, lastAppliedCutTimeMs: 5, lastPointCutTimeMs: 4, seedComplete: true };
    const m = writeReplicaState(state, { owner: 'someone' });
    expect(m.owner).toBe('someone');
    expect(readReplicaState(m)).toEqual({ ...state, lastAppPointCutTimeMs: undefined });
  });
  it('says a blob without the keys is not an initialised replica', () => {
    expect(readReplicaState({})).toBeUndefined();
    expect(readReplicaState({ replicationepoch: '1' })).toBeUndefined();
  });
  it('counts a replica written before the seed flag as whole once it merged a log', () => {
    const old = { replicationepoch: '1', sourcevirtualsize: '512' };
    expect(readReplicaState({ ...old, lastappliedsequence: '0' })?.seedComplete).toBe(false);
    expect(readReplicaState({ ...old, lastappliedsequence: '3' })?.seedComplete).toBe(true);
    expect(readReplicaState({ ...old, lastappliedsequence: '3', seedcomplete: '0' })?.seedComplete).toBe(false);
  });
});
