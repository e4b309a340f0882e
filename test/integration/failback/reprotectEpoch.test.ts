import { join } from 'node:path';
import { protectItem, syncItem } from '../../../shared/agent';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import {
  clearFailbackRequest, failbackDigestsEqual, prepareFailbackDelta, repairProgress, requestFailbackRound, startReprotectEpoch,
} from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { AgentCloud, diskRefs, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { agentServe, BLOCK, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

const SIZE = 16 * 1024 * 1024;

describe('reprotect after a failback: the new forward epoch from deltas only', () => {
  let cloud: AgentCloud;
  const dir = tempDir('reprotect-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('rp', 'p30', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('an agent stopped by a committed failover resumes on the reprotect repair and ships only the blocks the failback changed', async () => {
    const disk = join(dir.path, 'r.raw');
    qemuDisk(disk, '16M', ['write -P 0x77 0 12M']);
    const stateDir = join(dir.path, 'state');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'rp', item: 'vmr', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const shutdown = new SourceShutdownRequests(cloud.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER));

    // Failover committed: the agent stops for good.
    await shutdown.request(item, { jobId: 'job-commit', requestedAt: new Date().toISOString(), shipFinalLog: false, reason: 'FailoverCommitted' });
    await expect(syncItem(cloud.blobs, { vault: 'rp', item: 'vmr', stateDir, noWait: true })).rejects.toMatchObject({ code: 'ReplicationEnded' });

    // The workload ran in the target fabric; the failback brings 40 blocks home.
    const recovered = await recoveredBlobFrom(cloud, 'rg/vmr/disk0.vhd', disk);
    const changed = await writeRandomBlocks(recovered, SIZE, 40);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-fb', 1, [{ diskId: 'disk0', dataBytes: SIZE }], { phase: 'final' }));
    expect(await agentServe(cloud, stateDir, 'rp', 'vmr')).toMatchObject({ state: 'waiting' });
    await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }]);
    expect(await agentServe(cloud, stateDir, 'rp', 'vmr')).toMatchObject({ state: 'applied' });
    expect((await failbackDigestsEqual(cloud.deps, item, 'job-fb', 1)).equal).toBe(true);

    // Commit of the failback (the flow): the requests go, then reprotect starts the new epoch.
    await clearFailbackRequest(cloud.deps, item);
    await shutdown.clear(item);
    const target = { vault: item.vault, item: item.item, diskIds: ['disk0'] };
    const request = await startReprotectEpoch(cloud.deps, target);
    expect(request).toMatchObject({ epoch: 2, reprotect: true });

    const report = await syncItem(cloud.blobs, { vault: 'rp', item: 'vmr', stateDir, merge: { pollMs: 100 } });
    expect(report.repairEpoch).toBe(2);
    // Deltas only: the changed blocks (plus nothing else), far from the 12 MiB a re-seed ships.
    expect(report.disks[0].changedBlocks).toBe(changed.length);
    expect(report.bytesUploaded).toBeLessThan(changed.length * BLOCK * 1.1 + 4096);
    await waitFor(async () => (await repairProgress(cloud.deps, target, 2)) === 'Succeeded', { describe: 'the reprotect seed to complete' });

    // The replica equals the primary disk, and the agent replicates again.
    const file = join(dir.path, 'replica.vhd');
    expect((await cloud.materialize(diskRefs(state)[0], file)).verified).toBe(true);
    expect(qemuCompare(disk, 'raw', file, 'vpc').status).toBe(0);
    const next = await syncItem(cloud.blobs, { vault: 'rp', item: 'vmr', stateDir, merge: { pollMs: 100 } });
    expect(next.repairEpoch).toBeUndefined();
  });
});
