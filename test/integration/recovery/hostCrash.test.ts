import { createSite, jobOf, ReplicatedDisk, startRecoveryHost, taskStates, V, waitForJob, type RecoveryHost } from './recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 4, 0);

/**
 * kill -9 of the host in the middle of a plan: Durable Functions' history and queues live in
 * Azurite (a separate process here, as in production), so the restarted host replays the
 * orchestration and finishes the plan. Activities that were running are run again
 * (idempotent), and the recovered disks are still exactly the source's.
 */
describe('a host killed with SIGKILL in the middle of a plan finishes it after restart', () => {
  let h: RecoveryHost;
  let ids: Record<string, string>;
  const disks: ReplicatedDisk[] = [];

  beforeAll(async () => {
    // Small Put Page calls make each disk copy slow enough to be killed in the middle of.
    h = await startRecoveryHost({ REPLICATION_MAX_PUT_BYTES: String(64 * 1024), REPLICATION_PUT_CONCURRENCY: '1' });
    const names = ['c1', 'c2', 'c3', 'c4'];
    ids = await createSite(h, names.map((name) => ({ name, disks: ['os'] })));
    for (const name of names) {
      const d = new ReplicatedDisk(h, name, 'os', 8 * MIB);
      await d.change(T0, ['write -P 0x31 0 6M'], { full: true });
      await d.change(T0 + 300_000, ['write -P 0x32 7M 256k']);
      disks.push(d);
    }
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('completes every group with the same tasks and identical disks', async () => {
    const plan = `${V}/replicationRecoveryPlans/crash-plan`;
    const put = await h.call('PUT', plan, {
      properties: {
        primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure',
        groups: [
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.c1 }] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.c2 }, { id: ids.c3 }] },
          { groupType: 'Boot', replicationProtectedItems: [{ id: ids.c4 }] },
        ],
      },
    });
    expect(put.status).toBeLessThan(300);
    const job = jobOf(await h.call('POST', `${plan}/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'LatestProcessed' }] } }));
    // Kill once group 1 is done and group 2's machines are being recovered.
    const before = await waitForJob(h, job, (j) => taskStates(j).some(([id, s]) => id === 'g3-m0' && s === 'InProgress'), 60_000);
    expect(taskStates(before).find(([id]) => id === 'g4')![1]).toBe('NotStarted');
    await h.restart(true);
    const done = await waitForJob(h, job, (j) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state), 120_000);
    expect(done.properties.state).toBe('Succeeded');
    expect(taskStates(done).every(([, s]) => s === 'Succeeded')).toBe(true);
    expect(taskStates(done).map(([id]) => id)).toEqual(['prereq', 'g2', 'g2-m0', 'g3', 'g3-m0', 'g3-m1', 'g4', 'g4-m0']);
    for (const d of disks) {
      expect((await d.sameAs(`asr-recovery/${d.ref.item}-dr/os.vhd`, d.logs[1])).same).toBe(true);
    }
    expect(h.host.logs()).toMatch(/Host started/);
  }, 240_000);
});
