import type { BlobServiceClient } from '@azure/storage-blob';
import { choosePointSelectors } from '../../../shared/replication/journal/choosePointSelectors';
import { toArmErrorResponse } from '../../../shared/arm/armErrorCatalogue';
import { toJobError } from '../../../shared/recovery/plan/toJobError';
import type { DiskRecoveryPoint, DiskRef, RecoveryPointRecorder, ReplicationDeps } from '../../../shared/replication';

const T0 = Date.UTC(2026, 11, 5, 1, 0);
const MIN = 60_000;
const OS: DiskRef = { vault: 'v', item: 'vm1', disk: 'os' };
const DATA: DiskRef = { vault: 'v', item: 'vm1', disk: 'data' };
/** An item point's name: its cut time, compact ISO (contracts/ItemRecoveryPoint). */
const itemPoint = (minute: number) => new Date(T0 + minute * MIN).toISOString().replace(/[-:.]/g, '');

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
 * machine"): the newest item point of that kind, i.e. the newest cut every disk has (and, for
 * application-consistent, app-consistent on every disk); each disk takes its own log of that
 * cut. Every point is crash-consistent (an app-consistent point is one too), so
 * `LatestCrashConsistent` is the newest item point of any kind.
 */
describe('choosePointSelectors: latest app- and crash-consistent points', () => {
  // Oldest first, as the recorder lists them: crash, app, crash, crash (the newest).
  const history = [point(OS, 1, 0, 'CrashConsistent'), point(OS, 2, 5, 'AppConsistent'), point(OS, 3, 10, 'CrashConsistent'), point(OS, 4, 15, 'CrashConsistent')];

  it('LatestApplicationConsistent takes the newest app-consistent point, not the newer crash-consistent ones', async () => {
    const chosen = await choosePointSelectors(depsWith({ os: history }), [OS], { kind: 'LatestApplicationConsistent' });
    expect(chosen.selectors).toEqual({ os: { kind: 'sequence', sequence: '2', epoch: '1' } });
    expect(chosen.description).toBe(`AppConsistent point ${itemPoint(5)} (${new Date(T0 + 5 * MIN).toISOString()})`);
  });

  it('LatestApplicationConsistent picks the newest of several app-consistent points', async () => {
    const two = [...history, point(OS, 5, 20, 'AppConsistent'), point(OS, 6, 25, 'CrashConsistent')];
    const chosen = await choosePointSelectors(depsWith({ os: two }), [OS], { kind: 'LatestApplicationConsistent' });
    expect(chosen.selectors.os).toEqual({ kind: 'sequence', sequence: '5', epoch: '1' });
  });

  it('LatestCrashConsistent takes the newest point of any kind', async () => {
    const chosen = await choosePointSelectors(depsWith({ os: history }), [OS], { kind: 'LatestCrashConsistent' });
    expect(chosen.selectors).toEqual({ os: { kind: 'sequence', sequence: '4', epoch: '1' } });
    expect(chosen.description).toContain(`CrashConsistent point ${itemPoint(15)}`);
    const appNewest = [...history, point(OS, 5, 20, 'AppConsistent')];
    expect((await choosePointSelectors(depsWith({ os: appNewest }), [OS], { kind: 'LatestCrashConsistent' })).selectors.os)
      .toEqual({ kind: 'sequence', sequence: '5', epoch: '1' });
  });

  it('several disks: the newest cut all of them have, app-consistent on every disk; each takes its own log of it', async () => {
    // data: app-consistent at 5 and 20 (os has no point at 20), crash-consistent at 15 where os is crash-consistent too.
    const data = [point(DATA, 7, 5, 'AppConsistent'), point(DATA, 9, 15, 'CrashConsistent'), point(DATA, 11, 20, 'AppConsistent')];
    const app = await choosePointSelectors(depsWith({ os: history, data }), [OS, DATA], { kind: 'LatestApplicationConsistent' });
    expect(app.selectors).toEqual({ os: { kind: 'sequence', sequence: '2', epoch: '1' }, data: { kind: 'sequence', sequence: '7', epoch: '1' } });
    const crash = await choosePointSelectors(depsWith({ os: history, data }), [OS, DATA], { kind: 'LatestCrashConsistent' });
    expect(crash.selectors).toEqual({ os: { kind: 'sequence', sequence: '4', epoch: '1' }, data: { kind: 'sequence', sequence: '9', epoch: '1' } });
    // The first disk's newest app-consistent point alone does not decide: data lacks os's cut at 5 here.
    await expect(choosePointSelectors(depsWith({ os: history, data: data.slice(1) }), [OS, DATA], { kind: 'LatestApplicationConsistent' }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint' });
  });

  it('without an app-consistent point, LatestApplicationConsistent is NoRecoveryPoint (crash points do not stand in)', async () => {
    const crashOnly = history.filter((p) => p.type === 'CrashConsistent');
    await expect(choosePointSelectors(depsWith({ os: crashOnly }), [OS], { kind: 'LatestApplicationConsistent' }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint', message: 'vm1 has no application-consistent recovery point that all its disks share' });
    await expect(choosePointSelectors(depsWith({ os: [] }), [OS], { kind: 'LatestCrashConsistent' }))
      .rejects.toMatchObject({ code: 'NoRecoveryPoint', message: 'vm1 has no recovery point that all its disks share' });
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

/**
 * Issue 11: point selection throws the merge engine's error type now, not recovery's; the API
 * and the job still show the same status, code, message and advice.
 */
describe('choosePointSelectors: its refusals read the same at the API and in a job', () => {
  it('NoRecoveryPoint is 404 at the API and carries its own advice into the job error', async () => {
    const err = await choosePointSelectors(depsWith({ os: [] }), [OS], { kind: 'Point', pointId: 'os-1-9' }).catch((e: unknown) => e);
    expect(toArmErrorResponse(err)).toMatchObject({ status: 404, body: { error: { code: 'NoRecoveryPoint', message: "recovery point 'os-1-9' is not a point of vm1" } } });
    expect(toJobError(err)).toEqual({
      code: 'NoRecoveryPoint', message: "recovery point 'os-1-9' is not a point of vm1",
      possibleCauses: 'Retention removed it, or it belongs to another item.', recommendedAction: 'List the item\'s recovery points and choose one of them.',
    });
  });

  it('a planned failover without a final log is FinalLogMissing (409) with advice', async () => {
    const err = await choosePointSelectors(depsWith({}), [OS], { kind: 'Latest' }, {}).catch((e: unknown) => e);
    expect(toArmErrorResponse(err).status).toBe(409);
    expect(toJobError(err)).toMatchObject({ code: 'FinalLogMissing', possibleCauses: 'The agent did not ship it.', recommendedAction: 'Run an unplanned failover instead.' });
  });
});
