import { join } from 'node:path';
import { qemuSame, writeImage, type CutLog } from '../replication/SourceDisk';
import {
  createSite, downloadRecoveredDisk, jobOf, ReplicatedDisk, startRecoveryHost, VAULT_KEY, waitForJob, type RecoveryHost,
} from './recoveryHarness';

const MIB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 2, 0);
const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
const waitingForCleanup = (j: any) => ended(j) || /WaitingForStopTestFailover/.test(j.properties.stateDescription ?? '');

/**
 * The recovery point types of a failover request (`recoveryPointType`), end to end on the local
 * host: each test failover brings up exactly the disk content of the point the type names,
 * judged by qemu-img against the source image at that log.
 *
 * The disk's history (policy: app-consistent points hourly, crash points every 5 min):
 *   log 1  T0        crash, full copy  -> crash-consistent point (the seed's)
 *   log 2  T0+5 min  application       -> app-consistent point
 *   log 3  T0+10 min crash             -> crash-consistent point (the newest point)
 *   log 4  T0+12 min crash, merged     -> no point (2 min after the last)
 *   log 5  T0+13 min crash, NOT merged -> only `Latest` (drains pending logs) has it
 */
describe('failover recovery point types (funclocal, Azurite, Cosmos DB, qemu-img)', () => {
  let h: RecoveryHost;
  let item: string;
  let disk: ReplicatedDisk;
  const logs: CutLog[] = [];

  beforeAll(async () => {
    h = await startRecoveryHost();
    item = (await createSite(h, [{ name: 'pt', disks: ['os'] }])).pt;
    disk = new ReplicatedDisk(h, 'pt', 'os', 2 * MIB);
    logs.push(await disk.change(T0, ['write -P 0x11 0 1M'], { full: true }));
    logs.push(await disk.change(T0 + 5 * MIN, ['write -P 0x22 0 64k'], { consistency: 'application' }));
    logs.push(await disk.change(T0 + 10 * MIN, ['write -P 0x33 64k 64k']));
    logs.push(await disk.change(T0 + 12 * MIN, ['write -P 0x44 128k 64k']));
    logs.push(await disk.change(T0 + 13 * MIN, ['write -P 0x55 192k 64k'], { merge: false }));
    const points = await h.replication.recorder.list(disk.ref);
    // The premise of every test below: three points, the app-consistent one in the middle.
    expect(points.map((p) => [p.id, p.type])).toEqual([['os-1-1', 'CrashConsistent'], ['os-1-2', 'AppConsistent'], ['os-1-3', 'CrashConsistent']]);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  /** Test failover of the item with `recoveryPointType`; returns the job and qemu-img's verdict per log image; cleans up. */
  async function testFailoverWith(recoveryPointType: string): Promise<{ job: any; sameAs: (log: CutLog) => boolean }> {
    const started = await h.call('POST', `${item}/testFailover`, {
      properties: { failoverDirection: 'PrimaryToRecovery', networkId: 'test-vnet', providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', recoveryPointType } },
    }, 'Operator');
    const job = await waitForJob(h, jobOf(started), waitingForCleanup);
    expect(job.properties.state).toBe('Suspended');
    const vhd = await downloadRecoveredDisk(h, 'pt-dr-test', 'os');
    const cleanup = jobOf(await h.call('POST', `${item}/testFailoverCleanup`, {}, 'Operator'));
    expect((await waitForJob(h, cleanup, ended)).properties.state).toBe('Succeeded');
    const sameAs = (log: CutLog) => qemuSame(writeImage(join(h.dir, `pt-${recoveryPointType}-${log.sequence}.raw`), log.image), vhd).same;
    return { job, sameAs };
  }

  it('LatestApplicationConsistent recovers the app-consistent point\'s content, not the newer crash-consistent point', async () => {
    const { job, sameAs } = await testFailoverWith('LatestApplicationConsistent');
    expect(sameAs(logs[1])).toBe(true);
    expect(sameAs(logs[2])).toBe(false);
    expect(JSON.stringify(job.properties.tasks)).toMatch(/recovered from AppConsistent point \d{8}T\d{9}Z.*"sequence":"2"/); // the item point (its cut), log 2 of the disk
  }, 120_000);

  it('LatestCrashConsistent recovers the newest point (log 3), not the merged log after it', async () => {
    const { job, sameAs } = await testFailoverWith('LatestCrashConsistent');
    expect(sameAs(logs[2])).toBe(true);
    expect(sameAs(logs[3])).toBe(false);
    expect(JSON.stringify(job.properties.tasks)).toMatch(/recovered from CrashConsistent point \d{8}T\d{9}Z.*"sequence":"3"/);
  }, 120_000);

  it('LatestProcessed recovers what is merged (log 4); Latest drains the pending log 5 first and recovers it', async () => {
    const processed = await testFailoverWith('LatestProcessed');
    expect(processed.sameAs(logs[3])).toBe(true);
    expect(processed.sameAs(logs[4])).toBe(false);
    const latest = await testFailoverWith('Latest');
    expect(JSON.stringify(latest.job.properties.tasks)).toContain('latest (pending logs drained): os@5');
    expect(latest.sameAs(logs[4])).toBe(true);
  }, 180_000);

  it('a faultInjection field planted in the stored item document has no effect: the machine starts', async () => {
    const id = 'replicationfabrics|hv-site|replicationprotectioncontainers|hv-host|replicationprotecteditems|pt';
    const doc = (await h.store.getResource<any>(VAULT_KEY, id))!;
    expect(doc).toBeDefined();
    doc.properties.providerSpecificDetails.faultInjection = 'FailStart';
    await h.store.replaceResource(doc);
    const { job } = await testFailoverWith('LatestProcessed');
    expect(job.properties.errors).toEqual([]);
  }, 120_000);
});
