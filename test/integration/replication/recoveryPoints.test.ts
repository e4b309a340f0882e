import { join } from 'node:path';
import {
  listJournal, materializeToPoint, mergeDisk, REPLICA_CONTAINERS, ReplicationPolicy, replicaBlob,
} from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { startReplicationHarness, ReplicationHarness, VAULT_KEY } from './replicationHarness';
import { CutLog, downloadReplica, qemuSame, SourceDisk, uploadLog, writeImage } from './SourceDisk';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 21, 22, 0);
/** One hour of points, app-consistent hourly; logs every 2.5 min of source time. */
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 1, applicationConsistentSnapshotFrequencyInHours: 1 };
const LOGS = 50; // 2 h 2.5 min of source time
const appConsistent = (i: number) => i % 12 === 6; // the source's VSS runs every 30 min; the policy wants hourly

describe('recovery points and the journal (Azurite, Cosmos DB, qemu-img)', () => {
  let h: ReplicationHarness;
  const tmp = tempDir('merge-points-');
  const logs: CutLog[] = [];
  let src: SourceDisk;
  let disk: Awaited<ReturnType<ReplicationHarness['protect']>>;

  beforeAll(async () => {
    h = await startReplicationHarness();
    disk = await h.protect('vm-points', POLICY);
    src = new SourceDisk(tmp.path, disk, 8 * MIB);
    for (let i = 0; i < LOGS; i++) {
      src.io(`write -P 0x${(0x10 + i).toString(16)} ${(i * 37) % 2000}k 4k`, `write -P 0x${(0x90 + i).toString(16)} ${4096 + ((i * 611) % 3000)}k 8k`);
      const log = src.cutLog({ cutTimeMs: T0 + i * 2.5 * MIN, consistency: appConsistent(i) ? 'application' : 'crash' });
      logs.push(log);
      await uploadLog(h.blobs, disk, log.sequence, log.bytes);
      await mergeDisk(h.deps(), disk);
    }
  }, 300_000);
  afterAll(async () => {
    await h.stop();
    tmp.cleanup();
  });

  it('cuts a crash point every 5 min of source time and app-consistent points at the policy frequency', async () => {
    const points = await h.deps().recorder.list(disk);
    const newest = points[points.length - 1];
    // Logs 2.5 min apart: every other log is a point; the last log (49) is odd, log 48 the newest point.
    expect(newest).toMatchObject({ sequence: 49n, type: 'CrashConsistent' });
    const app = points.filter((p) => p.type === 'AppConsistent').map((p) => p.sequence);
    // App-consistent logs come every 30 min (sequences 7, 19, 31, 43) but the policy wants one
    // app point an hour: 7 and 31 are app points (7 pruned since), 19 and 43 only crash points.
    expect(app).toEqual([31n]);
    expect(points.find((p) => p.sequence === 43n)).toMatchObject({ type: 'CrashConsistent' });
    for (const p of points) expect(p.diskDigest).toHaveLength(64);
    // The ARM-visible documents say the same.
    const docs = await h.store.listRecoveryPoints(VAULT_KEY, (await h.store.listResources(VAULT_KEY, { kind: 'protectedItem' })).items.find((i) => i.name === 'vm-points')!.armId);
    expect(docs.items.map((d) => d.recoveryPointType).sort()).toEqual(points.map((p) => p.type).sort());
  });

  it('prunes points past retention (snapshot and record) and keeps one just before the window', async () => {
    const points = await h.deps().recorder.list(disk);
    const newest = points[points.length - 1].cutTimeMs;
    const before = points.filter((p) => p.cutTimeMs < newest - 60 * MIN);
    expect(before).toHaveLength(1);
    expect(points.length).toBeLessThan(LOGS / 2);
    const snapshots: string[] = [];
    for await (const b of h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).listBlobsFlat({ prefix: replicaBlob(disk), includeSnapshots: true })) {
      if (b.snapshot) snapshots.push(b.snapshot);
    }
    expect(snapshots.sort()).toEqual(points.map((p) => p.snapshot).sort());
    // The journal holds exactly the logs after the oldest kept point.
    const journal = await listJournal(h.deps(), disk, 1n);
    expect(journal.map((e) => e.sequence)).toEqual(logs.filter((l) => l.sequence > points[0].sequence).map((l) => l.sequence));
  });

  it('a point restores exactly the disk at that log\'s cut; a time between points replays the journal', async () => {
    const points = await h.deps().recorder.list(disk);
    const target = (n: string) => h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(`restored/${n}.vhd`);
    const check = async (name: string, expected: CutLog) => {
      const vhd = join(tmp.path, `${name}.vhd`);
      const buf = await h.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(`restored/${name}.vhd`).downloadToBuffer();
      require('node:fs').writeFileSync(vhd, buf);
      return qemuSame(writeImage(join(tmp.path, `${name}.raw`), expected.image), vhd).same;
    };
    const mid = points[Math.floor(points.length / 2)];
    const atPoint = await materializeToPoint(h.deps(), disk, target('at-point'), { sequence: mid.sequence });
    expect(atPoint).toMatchObject({ sequence: mid.sequence, replayed: [], verified: true });
    expect(await check('at-point', logs[Number(mid.sequence) - 1])).toBe(true);
    expect(await check('at-point', logs[Number(mid.sequence)])).toBe(false);

    // 1 min after the cut of seq 42 (not a point): the base is the point at seq 41, then the journal.
    const t = new Date(logs[41].cutTimeMs + MIN);
    const between = await materializeToPoint(h.deps(), disk, target('between'), { time: t });
    expect(between).toMatchObject({ sequence: 42n, base: { sequence: 41n }, replayed: [42n], verified: true });
    expect(await check('between', logs[41])).toBe(true);
    expect(await check('between', logs[40])).toBe(false);

    const latest = await materializeToPoint(h.deps(), disk, target('latest'));
    expect(latest.sequence).toBe(50n);
    expect(await check('latest', logs[49])).toBe(true);

    await expect(materializeToPoint(h.deps(), disk, target('too-old'), { time: new Date(T0 + 10 * MIN) })).rejects.toMatchObject({ code: 'NoRecoveryPoint' });
    await expect(materializeToPoint(h.deps(), disk, target('future'), { sequence: 51n })).rejects.toMatchObject({ code: 'NoRecoveryPoint' });
    // The live replica itself equals the newest source image.
    const live = join(tmp.path, 'live.vhd');
    await downloadReplica(h.blobs, disk, live);
    expect(qemuSame(src.path, live).same).toBe(true);
  });
});
