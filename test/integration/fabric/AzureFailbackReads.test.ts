import { BlobSASPermissions, BlobServiceClient, PageBlobClient } from '@azure/storage-blob';
import { AzureFabric, FabricError, FabricTags } from '../../../shared/fabric';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RecordingArm } from './RecordingArm';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = 'rg-recovery';
const STORAGE_ID = `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.Storage/storageAccounts/asrreplicas`;
const DISK = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/sql-01-disk0`;
const SNAPSHOTS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/snapshots`;
const MiB = 1024 * 1024;

/**
 * Failback reads of a recovered managed disk (issue 13) through the real @azure/arm-compute
 * client over RecordingArm (a stand-in that records ARM requests; it proves nothing about
 * Azure's answers). "The managed disk's contents" is an Azurite page blob; each snapshot ARM
 * makes is an Azurite blob snapshot of it, handed out as a read-only SAS by grantAccess.
 */
describe('AzureFabric: failback reads a recovered managed disk through incremental snapshots and a granted SAS', () => {
  let azurite: TestAzurite;
  let blobs: BlobServiceClient;
  let backing: PageBlobClient;
  let arm: RecordingArm;
  let clock = Date.UTC(2026, 11, 5, 21);
  const tags: FabricTags = { vault: 'vault-1', plan: 'plan-web', job: 'job-fo', item: 'vm-sql', scenario: 'UnplannedFailover' };
  const target = { source: { vault: 'vault-1', item: 'vm-sql', disk: 'disk0' }, resourceGroup: RG, machineName: 'sql-01', tags };
  const fabricWith = (diskSasHosts?: string[]) => new AzureFabric({
    subscriptionId: SUB, location: 'westeurope', blobs, storageAccountId: STORAGE_ID, httpClient: arm, resourceGroups: [RG], pollIntervalMs: 1,
    credential: { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    now: () => (clock += 1000), ...(diskSasHosts ? { diskSasHosts } : {}),
  });

  beforeAll(async () => {
    azurite = await startAzurite();
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = blobs.getContainerClient('managed-disks');
    await container.createIfNotExists();
    backing = container.getPageBlobClient('sql-01-disk0');
    await backing.create(4 * MiB);
    await backing.uploadPages(Buffer.alloc(64 * 1024, 0x5e), 0, 64 * 1024);
    arm = new RecordingArm();
    arm.seed(DISK, { location: 'westeurope', tags: { asrvault: 'vault-1', asrjob: 'job-fo', asritem: 'vm-sql', asrscenario: 'UnplannedFailover', asrmachine: 'sql-01' }, properties: {} });
    arm.snapshotReads = async () => {
      const snap = await backing.createSnapshot();
      return backing.withSnapshot(snap.snapshot!).generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) });
    };
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  const snapshotPaths = () => arm.requests.filter((r) => r.method === 'PUT' && r.path.startsWith(SNAPSHOTS)).map((r) => r.path);

  it('snapshots the disk (incremental, Copy from the disk id, tagged), reads it through the granted SAS, and revokes the SAS on release', async () => {
    const fabric = fabricWith(['127.0.0.1']);
    const read = await fabric.readRecoveredDisk(target);
    // The workload writes on after the snapshot: the round reads the disk as it was when snapshotted.
    await backing.uploadPages(Buffer.alloc(4096, 0x77), 0, 4096);
    const got = await read.blob.downloadToBuffer(0, 64 * 1024);
    expect(got.equals(Buffer.alloc(64 * 1024, 0x5e))).toBe(true);
    const ranges = await read.blob.getPageRanges(0, 4 * MiB);
    expect(ranges.pageRange).toEqual([{ offset: 0, count: 64 * 1024 - 1 }]);
    const [snapshot] = snapshotPaths();
    expect(arm.requests.find((r) => r.method === 'PUT' && r.path === snapshot)?.body).toEqual({
      location: 'westeurope',
      tags: { asrvault: 'vault-1', asrplan: 'plan-web', asrjob: 'job-fo', asritem: 'vm-sql', asrscenario: 'UnplannedFailover', asrmachine: 'sql-01', asrfailbackdisk: 'sql-01-disk0' },
      properties: { incremental: true, creationData: { createOption: 'Copy', sourceResourceId: DISK } },
    });
    // Pinned by the SDK version in package.json: a change here is a change of the ARM contract.
    expect(new Set(arm.requests.filter((r) => r.path.startsWith(SNAPSHOTS)).map((r) => r.apiVersion))).toEqual(new Set(['2025-01-02']));
    expect(arm.requests.find((r) => r.method === 'POST' && r.path === `${snapshot}/beginGetAccess`)?.body).toEqual({ access: 'Read', durationInSeconds: 3600 });
    expect(arm.granted.has(snapshot.toLowerCase())).toBe(true);
    await read.release();
    expect(arm.requests.some((r) => r.method === 'POST' && r.path === `${snapshot}/endGetAccess`)).toBe(true);
    expect(arm.granted.size).toBe(0);
    expect(arm.has(snapshot)).toBe(true); // kept: the base of the next round's diff

    // The next round: a new snapshot sees the workload's write; on release the older one goes.
    const second = await fabric.readRecoveredDisk(target);
    expect((await second.blob.downloadToBuffer(0, 4096)).equals(Buffer.alloc(4096, 0x77))).toBe(true);
    await second.release();
    const [, next] = snapshotPaths();
    expect(arm.has(snapshot)).toBe(false);
    expect(arm.has(next)).toBe(true);

    // Commit (or cancel, or reprotect): no snapshot is left.
    await fabric.releaseRecoveredDisks({ vault: 'vault-1', item: 'vm-sql' });
    expect(arm.has(next)).toBe(false);
    expect(arm.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([snapshot, next]);
  });

  it('refuses a SAS whose host is not an allowed blob endpoint (DiskAccessHostRefused, no SAS in the message) and still revokes it', async () => {
    arm.requests.length = 0;
    const fabric = fabricWith(); // Azure's blob endpoints only: Azurite's loopback host is not one
    const err = await fabric.readRecoveredDisk(target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricError);
    expect((err as FabricError).code).toBe('DiskAccessHostRefused');
    expect((err as FabricError).message).not.toMatch(/sig=/);
    const [snapshot] = snapshotPaths();
    expect(arm.requests.some((r) => r.method === 'POST' && r.path === `${snapshot}/endGetAccess`)).toBe(true);
    expect(arm.granted.size).toBe(0);
    await fabric.releaseRecoveredDisks({ vault: 'vault-1', item: 'vm-sql' });
    expect(arm.has(snapshot)).toBe(false);
  });
});
