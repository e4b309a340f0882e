import { join } from 'node:path';
import { protectItem, runAgent, syncItem, type FailbackServeResult } from '../../../shared/agent';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../../../shared/contracts/SourceShutdownRequests';
import { clearFailbackRequest, failbackRoundProgress, prepareFailbackDelta, requestFailbackRound } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { AgentCloud, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { BLOCK, downloadBlob, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

const SIZE = 8 * 1024 * 1024;

describe('asr agent run after a committed failover: serves failback rounds instead of stopping', () => {
  let cloud: AgentCloud;
  const dir = tempDir('failback-run-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('fbr', 'p30', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('serves two rounds while the request stays, without cycling; with no request left it stops with ReplicationEnded as before', async () => {
    const disk = join(dir.path, 'r.raw');
    qemuDisk(disk, '8M', ['write -P 0x21 0 2M']);
    const stateDir = join(dir.path, 'state');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fbr', item: 'vmr', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    await new SourceShutdownRequests(cloud.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER))
      .request(item, { jobId: 'job-commit', requestedAt: new Date().toISOString(), shipFinalLog: false, reason: 'FailoverCommitted' });
    await expect(syncItem(cloud.blobs, { vault: 'fbr', item: 'vmr', stateDir, noWait: true })).rejects.toMatchObject({ code: 'ReplicationEnded' });

    const recovered = await recoveredBlobFrom(cloud, 'rg/vmr/disk0.vhd', disk);
    const first = await writeRandomBlocks(recovered, SIZE, 12);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-run', 1, [{ diskId: 'disk0', dataBytes: SIZE }]));

    const seen: FailbackServeResult[] = [];
    let cycles = 0;
    const stop = new AbortController();
    const run = runAgent(cloud.blobs, { vault: 'fbr', item: 'vmr', stateDir, intervalSeconds: 1, signal: stop.signal, onFailback: (r) => seen.push(r), onCycle: () => cycles++ });
    const applied = (round: number) => seen.some((r) => r.state === 'applied' && r.round === round);

    await waitFor(async () => (await failbackRoundProgress(cloud.deps, item, 'job-run', 1)) === 'Shipping', { describe: 'round 1 digests from the run loop' });
    await prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }]);
    await waitFor(() => applied(1), { describe: () => `round 1 applied by the run loop (seen ${JSON.stringify(seen.map((r) => r.state))})` });

    const second = await writeRandomBlocks(recovered, SIZE, 5);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-run', 2, [{ diskId: 'disk0', dataBytes: SIZE }]));
    await waitFor(async () => (await failbackRoundProgress(cloud.deps, item, 'job-run', 2)) === 'Shipping', { describe: 'round 2 digests from the run loop' });
    expect(await prepareFailbackDelta(cloud.deps, item, 2, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }])).toMatchObject({ blocks: second.length });
    await waitFor(() => applied(2), { describe: 'round 2 applied by the run loop' });
    expect(seen.find((r) => r.state === 'applied' && r.round === 1)).toMatchObject({ applied: { bytesApplied: first.length * BLOCK } });
    expect(cycles).toBe(0);

    const recoveredFile = join(dir.path, 'recovered.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);

    // The flow clears the request (failback committed): the loop falls back to the committed failover's verdict.
    await clearFailbackRequest(cloud.deps, item);
    await expect(run).rejects.toMatchObject({ code: 'ReplicationEnded' });
    stop.abort();
  });
});
