import { join } from 'node:path';
import { BlobSASPermissions, type PageBlobClient } from '@azure/storage-blob';
import { protectItem } from '../../../shared/agent';
import { AzureFabric } from '../../../shared/fabric';
import { failbackDigestsEqual, prepareFailbackDelta, requestFailbackRound, clearFailbackRequest } from '../../../shared/replication';
import { recoveredMachineOf, withRecoveredDisks } from '../../../shared/recovery/activities/failbackActivities';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { RecordingArm } from '../fabric/RecordingArm';
import { agentServe, BLOCK, downloadBlob, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = 'rg-recovery';
const COMPUTE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute`;
const SIZE = 8 * 1024 * 1024;

/**
 * Failback from the Azure fabric at the activity level (issue 13): the recovered machine and its
 * managed disk are ARM resources answered by RecordingArm (a stand-in that records requests; it
 * proves nothing about Azure's answers) through the real @azure/arm-compute client; the managed
 * disk's contents are an Azurite page blob the workload writes to. Each round reads an
 * incremental snapshot of it through the SAS ARM granted; the real agent applies the delta to the
 * primary disk file and qemu-img judges. Not through the API and orchestrator: the failback job's
 * activities call the same withRecoveredDisks + prepareFailbackDelta as here.
 */
describe('failback from the Azure fabric: incremental snapshots of the managed disk, read through a granted SAS, applied by the agent', () => {
  let cloud: AgentCloud;
  const dir = tempDir('failback-azure-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('fbaz', 'p30', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('two rounds (sync while the machine runs, then final) bring the primary disk equal to the managed disk; no snapshot or SAS is left after commit', async () => {
    const disk = join(dir.path, 'a.raw');
    qemuDisk(disk, '8M', ['write -P 0x11 0 2M', 'write -P 0x22 5M 1M']);
    const stateDir = join(dir.path, 'state-a');
    const { state } = await protectItem(cloud.api, cloud.blobs, { vault: 'fbaz', item: 'vma', diskPaths: [disk], policy: 'p30', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    // The managed disk's contents after the failover: the source's bytes in a page blob.
    const managed: PageBlobClient = await recoveredBlobFrom(cloud, 'managed-disks/vma-rec-disk0', disk);

    const arm = new RecordingArm();
    const tags = { asrvault: item.vault, asrjob: 'job-fo', asritem: item.item, asrscenario: 'UnplannedFailover', asrmachine: 'vma-rec' };
    arm.seed(`${COMPUTE}/virtualMachines/vma-rec`, { location: 'westeurope', tags, properties: {} });
    arm.seed(`${COMPUTE}/disks/vma-rec-disk0`, { location: 'westeurope', tags, properties: {} });
    arm.snapshotReads = async () => {
      const snap = await managed.createSnapshot();
      return managed.withSnapshot(snap.snapshot!).generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) });
    };
    let clock = Date.UTC(2026, 11, 5, 21);
    const fabric = new AzureFabric({
      subscriptionId: SUB, location: 'westeurope', blobs: cloud.blobs, storageAccountId: `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.Storage/storageAccounts/x`,
      credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) },
      httpClient: arm, resourceGroups: [RG], pollIntervalMs: 1, now: () => (clock += 1000), diskSasHosts: ['127.0.0.1'],
    });
    const found = await recoveredMachineOf(fabric, item);
    expect(found).toMatchObject({ machine: { machineName: 'vma-rec', resourceGroup: RG }, diskIds: ['disk0'] });
    const sizes = [{ diskId: 'disk0', dataBytes: SIZE }];
    const recoveredFile = join(dir.path, 'managed.raw');

    async function round(n: number, changed: number): Promise<void> {
      await requestFailbackRound(cloud.deps, item, roundRequest('job-fb-az', n, sizes));
      expect(await agentServe(cloud, stateDir, 'fbaz', 'vma')).toMatchObject({ state: 'waiting', digestsReported: true });
      const delta = await withRecoveredDisks({ fabric }, item, found, sizes, (disks) => prepareFailbackDelta(cloud.deps, item, n, disks));
      expect(delta).toMatchObject({ blocks: changed, bytesChanged: changed * BLOCK });
      expect(arm.granted.size).toBe(0); // revoked as soon as the round was read
      expect(await agentServe(cloud, stateDir, 'fbaz', 'vma')).toMatchObject({ state: 'applied', applied: { bytesApplied: changed * BLOCK } });
      expect((await failbackDigestsEqual(cloud.deps, item, 'job-fb-az', n)).equal).toBe(true);
    }

    // Round 1 (ForSynchronization's sync): the workload wrote 1 % of the blocks while it runs.
    const first = await writeRandomBlocks(managed, SIZE, Math.ceil(SIZE / BLOCK / 100));
    await round(1, first.length);
    await downloadBlob(managed, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);

    // The machine keeps running and writing; after its shutdown the final round ships only that.
    const second = await writeRandomBlocks(managed, SIZE, 5);
    await round(2, second.length);
    await downloadBlob(managed, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);

    const snapshots = arm.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(`${COMPUTE}/snapshots/`)).map((r) => r.path);
    expect(snapshots).toHaveLength(2);
    for (const s of snapshots) {
      expect(arm.requests.some((r) => r.method === 'POST' && r.path === `${s}/beginGetAccess`)).toBe(true);
      expect(arm.requests.some((r) => r.method === 'POST' && r.path === `${s}/endGetAccess`)).toBe(true);
    }
    expect(arm.has(snapshots[0])).toBe(false); // round 2 replaced round 1's base
    expect(arm.has(snapshots[1])).toBe(true);

    // Commit: the failback's blobs and snapshots go.
    await clearFailbackRequest(cloud.deps, item);
    await fabric.releaseRecoveredDisks({ vault: item.vault, item: item.item });
    expect(snapshots.some((s) => arm.has(s))).toBe(false);
  }, 120_000);
});
