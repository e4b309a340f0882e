import type { BlobServiceClient } from '@azure/storage-blob';
import { choosePointSelectors } from '../../../shared/replication/journal/choosePointSelectors';
import type { DiskRecoveryPoint, DiskRef, RecoveryPointRecorder, ReplicationDeps } from '../../../shared/replication';

const T0 = Date.UTC(2026, 11, 5, 1, 0);
const MIN = 60_000;
const OS: DiskRef = { vault: 'v', item: 'vm1', disk: 'os' };
const DATA: DiskRef = { vault: 'v', item: 'vm1', disk: 'data' };

function point(disk: DiskRef, sequence: number, minute: number, type: DiskRecoveryPoint['type']): DiskRecoveryPoint {
  return {
    disk, id: `${disk.disk}-1-${sequence}`, epoch: 1n, sequence: BigInt(sequence), cutTimeMs: T0 + minute * MIN, type,
    diskDigest: '00', snapshot: `snap-${sequence}`, sourceVirtualSize: 1024 * 1024,
  };
}

/** Only the recorder is read for point-based choices; the rest would throw if touched. */
function depsWith(points: Record<string, DiskRecoveryPoint[]>): ReplicationDeps {
  const recorder: RecoveryPointRecorder = {
    record: async () => { throw new Error('not used'); },
    remove: async () => { throw new Error('not used'); },
    list: async (d) => points[d.disk] ?? [],
  };
  const untouched = new Proxy({}, { get: () => { throw new Error('point-based choices read only the recorder'); } });
  return { blobs: untouched as BlobServiceClient, recorder, health: untouched as never, settings: untouched as never };
}

/**
 * `LatestApplicationConsistent` and `LatestCrashConsistent` (docs/recovery-plans.md, "Per
 * machine"): the newest point of that kind of the item's first disk; the disk the point names
 * takes its log, the item's other disks their newest boundary at or before the point's time.
 * Every point is crash-consistent (an app-consistent point is one too), so
 * `LatestCrashConsistent` is the newest point of any kind.
 */
describe('choosePointSelectors: latest app- and crash-consistent points', () => {
  // Oldest first, as the recorder lists them: crash, app, crash, crash (the newest).
  const history = [point(OS, 1, 0, 'CrashConsistent'), point(OS, 2, 5, 'AppConsistent'), point(OS, 3, 10, 'CrashConsistent'), point(OS, 4, 15, 'CrashConsistent')];

  it('LatestApplicationConsistent takes the newest app-consistent point, not the newer crash-consistent ones', async () => {
    const chosen = await choosePointSelectors(depsWith({ os: history }), [OS], { kind: 'LatestApplicationConsistent' });
    expect(chosen.selectors).toEqual({ os: { kind: 'sequence', sequence: '2', epoch: '1' } });
    expect(chosen.description).toBe(`AppConsistent point os-1-2 (${new Date(T0 + 5 * MIN).toISOString()})`);
  });

  it('LatestApplicationConsistent picks the newest of several app-consistent points', async () => {
    const two = [...history, point(OS, 5, 20, 'AppConsistent'), point(OS, 6, 25, 'CrashConsistent')];
    const chosen = await choosePointSelectors(depsWith({ os: two }), [OS], { kind: 'LatestApplicationConsistent' });
    expect(chosen.selectors.os).toEqual({ kind: 'sequence', sequence: '5', epoch: '1' });
  });

  it('LatestCrashConsistent takes the newest point of any kind', async () => {
    const chosen = await choosePointSelectors(depsWith({ os: history }), [OS], { kind: 'LatestCrashConsistent' });
    expect(chosen.selectors).toEqual({ os: { kind: 'sequence', sequence: '4', epoch: '1' } });
    expect(chosen.description).toContain('CrashConsistent point os-1-4');
    const appNewest = [...history, point(OS, 5, 20, 'AppConsistent')];
    expect((await choosePointSelectors(depsWith({ os: appNewest }), [OS], { kind: 'LatestCrashConsistent' })).selectors.os)
      .toEqual({ kind: 'sequence', sequence: '5', epoch: '1' });
  });

  it('the item\'s other disks take the app-consistent point\'s time, not the newest time', async () => {
    const chosen = await choosePointSelectors(depsWith({ os: history, data: [] }), [OS, DATA], { kind: 'LatestApplicationConsistent' });
    expect(chosen.selectors).toEqual({
      os: { kind: 'sequence', sequence: '2', epoch: '1' },
      data: { kind: 'time', time: new Date(T0 + 5 * MIN).toISOString(), epoch: '1' },
    });
  });

  it('without an app-consistent point, LatestApplicationConsistent is NoRecoveryPoint (crash points do not stand in)', async () => {
    const crashOnly = history.filter((p) => p.type === 'CrashConsistent');
    await expect(choosePointSelectors(depsWith({ os: crashOnly }), [OS], { kind: 'LatestApplicationConsistent' }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint', message: 'vm1 has no application-consistent recovery point' });
    await expect(choosePointSelectors(depsWith({ os: [] }), [OS], { kind: 'LatestCrashConsistent' }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint', message: 'vm1 has no recovery point' });
  });
});

/**
 * Item recovery points (contracts/ItemRecoveryPoint, docs/replication.md "Recovery points of
 * an item"): named by their cut time, a failover to one gives every disk its own log of that cut.
 */
describe('choosePointSelectors: a named item recovery point', () => {
  const os = [point(OS, 1, 0, 'AppConsistent'), point(OS, 2, 5, 'AppConsistent'), point(OS, 3, 10, 'CrashConsistent')];
  // data's logs are numbered differently, and its 10-minute log is not merged yet.
  const data = [point(DATA, 4, 0, 'CrashConsistent'), point(DATA, 7, 5, 'AppConsistent')];
  const name = (minute: number) => new Date(T0 + minute * MIN).toISOString().replace(/[-:.]/g, '');

  it('each disk takes its own log of the cut', async () => {
    const chosen = await choosePointSelectors(depsWith({ os, data }), [OS, DATA], { kind: 'Point', pointId: name(5) });
    expect(chosen.selectors).toEqual({ os: { kind: 'sequence', sequence: '2', epoch: '1' }, data: { kind: 'sequence', sequence: '7', epoch: '1' } });
    expect(chosen.description).toBe(`AppConsistent point ${name(5)} (${new Date(T0 + 5 * MIN).toISOString()})`);
    // One crash-consistent disk makes the whole cut crash consistent.
    expect((await choosePointSelectors(depsWith({ os, data }), [OS, DATA], { kind: 'Point', pointId: name(0) })).description).toMatch(/^CrashConsistent point /);
  });

  it('a cut some disk lacks is NoRecoveryPoint naming that disk; a disk point\'s name still works', async () => {
    await expect(choosePointSelectors(depsWith({ os, data }), [OS, DATA], { kind: 'Point', pointId: name(10) }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint', message: `recovery point '${name(10)}' is not a point of vm1: disk data has no point at that cut` });
    const legacy = await choosePointSelectors(depsWith({ os, data }), [OS, DATA], { kind: 'Point', pointId: 'os-1-3' });
    expect(legacy.selectors.os).toEqual({ kind: 'sequence', sequence: '3', epoch: '1' });
  });
});
