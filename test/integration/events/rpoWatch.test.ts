import { mergeDisk, REPLICA_CONTAINERS, RpoWatch, type ReplicationPolicy } from '../../../shared/replication';
import { countingBlobs } from '../../support/countingBlobs';
import { useReplicationHarness, VAULT_KEY } from '../replication/replicationHarness';
import { SourceDisk, uploadLog } from '../replication/SourceDisk';

const MIB = 1024 * 1024;
/** 5 min interval: Warning above 11 min, Critical above 32 min (shared/protection rpoThresholds). */
const POLICY: ReplicationPolicy = { replicationInterval: 300, recoveryPointHistoryDurationInHours: 2, applicationConsistentSnapshotFrequencyInHours: 0 };

describe('RPO crossed and recovered: judged by the sweep, raised once per crossing with the item\'s write (Azurite, Cosmos DB)', () => {
  const suite = useReplicationHarness('rpo-watch-');

  it('crossing Warning, then Critical, then recovering each raises one event; two hosts judging at once raise it once', async () => {
    const disk = await suite.h.protect('vm-rpo', POLICY);
    const src = new SourceDisk(suite.tmp, disk, 8 * MIB);
    const cut = Date.now() - 60_000;
    src.io('write -P 0x41 0 1M');
    await uploadLog(suite.h.blobs, disk, 1n, src.cutLog({ cutTimeMs: cut }).bytes);
    expect((await mergeDisk(suite.h.deps(), disk)).outcome).toBe('merged');

    const at = (seconds: number) => () => new Date(cut + seconds * 1000);
    const watch = (seconds: number) => new RpoWatch(suite.h.store, suite.h.blobs, at(seconds));
    const events = async () => (await suite.h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'vm-rpo' })).items
      .filter((e) => e.properties.eventCode.startsWith('Rpo')).reverse()
      .map((e) => [e.properties.eventCode, e.properties.severity]);

    expect((await watch(120).evaluate()).changed).toEqual([]); // 2 min: within
    expect(await events()).toEqual([]);

    // 12 min: past Warning (11 min). Two hosts judge at the same moment: one write wins.
    const [a, b] = await Promise.all([watch(720).evaluate(), watch(720).evaluate()]);
    expect(a.changed.length + b.changed.length).toBe(1);
    expect(await events()).toEqual([['RpoThresholdCrossed', 'Warning']]);
    // Still past it a minute later: edge-triggered, nothing new.
    expect((await watch(780).evaluate()).changed).toEqual([]);

    // 40 min: past Critical (32 min).
    await Promise.all([watch(2400).evaluate(), watch(2400).evaluate()]);
    expect(await events()).toEqual([['RpoThresholdCrossed', 'Warning'], ['RpoThresholdCrossed', 'Critical']]);
    const critical = (await suite.h.store.listEvents(VAULT_KEY, { eventCode: 'rpothresholdcrossed', severity: 'critical' })).items[0];
    expect(critical.properties).toMatchObject({
      eventType: 'VmHealth', description: expect.stringContaining('crossed the critical threshold: RPO is 40m'),
      recommendedAction: expect.stringContaining('asr agent run'),
      eventSpecificDetails: { instanceType: 'RpoStatus', rpoInSeconds: 2400, level: 'Critical' },
    });
    expect(critical.properties.healthErrors).toEqual([expect.objectContaining({ errorCode: 'RpoThresholdExceeded', errorLevel: 'Error' })]);

    // The agent catches up: a log cut at 39 min is merged; at 40 min the RPO is one minute.
    src.io('write -P 0x42 1M 1M');
    await uploadLog(suite.h.blobs, disk, 2n, src.cutLog({ cutTimeMs: cut + 2340_000 }).bytes);
    expect((await mergeDisk(suite.h.deps(), disk)).outcome).toBe('merged');
    expect((await watch(2400).evaluate()).changed).toEqual([{ item: 'vm-rpo', from: 'Critical', to: undefined }]);
    expect(await events()).toEqual([['RpoThresholdCrossed', 'Warning'], ['RpoThresholdCrossed', 'Critical'], ['RpoRecovered', 'Info']]);
    expect((await watch(2460).evaluate()).changed).toEqual([]);
  }, 120_000);

  it('an item that never replicated has no RPO: a day later nothing is raised for it', async () => {
    await suite.h.protect('vm-norep', POLICY);
    const report = await new RpoWatch(suite.h.store, suite.h.blobs, () => new Date(Date.now() + 86_400_000)).evaluate();
    expect(report.changed.map((c) => c.item)).not.toContain('vm-norep');
    expect(await suite.h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'vm-norep' })).toMatchObject({ items: [] });
  });

  it('finds vaults from the top folders of vhds, not by listing every replica', async () => {
    const { blobs, listings } = countingBlobs(suite.h.blobs);
    const report = await new RpoWatch(suite.h.store, blobs).evaluate();
    expect(report.items).toBeGreaterThanOrEqual(1); // vm-rpo, replicated above
    // One listing by hierarchy of vhds, one entry per vault (this suite has one), whatever its disks.
    expect(listings).toEqual([{ container: REPLICA_CONTAINERS.replicas, kind: 'hierarchy', prefix: undefined, items: 1 }]);
  });
});
