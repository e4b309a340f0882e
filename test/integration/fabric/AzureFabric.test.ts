import { AzureFabric, FABRIC_CONTAINERS, FabricError, FabricTags, MachineSpec } from '../../../shared/fabric';
import { DiskRef, mergeDisk, ReplicationPolicy } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { startReplicationHarness, ReplicationHarness } from '../replication/replicationHarness';
import { SourceDisk, uploadLog } from '../replication/SourceDisk';
import { RecordingArm } from './RecordingArm';

const SUB = '11111111-2222-3333-4444-555555555555';
const RG = 'rg-recovery';
const STORAGE_ID = `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.Storage/storageAccounts/asrreplicas`;
const VNET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-recovery`;
const POLICY: ReplicationPolicy = { replicationInterval: 30, recoveryPointHistoryDurationInHours: 24, applicationConsistentSnapshotFrequencyInHours: 0 };
// Pinned by the SDK versions in package.json: a change here is a change of the ARM contract.
const DISKS_API = '2025-01-02';
const VM_API = '2026-03-01';
const NETWORK_API = '2025-05-01';

/**
 * The Azure fabric cannot reach Azure here. These tests run the real @azure/arm-compute and
 * @azure/arm-network clients (pipeline, serialisation, LRO handling) through an in-process
 * HttpClient that records each ARM request, and check method, URL, api-version and body.
 */
describe('AzureFabric: the ARM requests it makes (recorded, not sent)', () => {
  let h: ReplicationHarness;
  let arm: RecordingArm;
  let fabric: AzureFabric;
  let disk: DiskRef;
  /** The waits the fabric asked for (throttling, health polls) and the serial log URLs it read: injected, never slept. */
  const slept: number[] = [];
  const read: string[] = [];
  let clock = Date.UTC(2026, 10, 22, 2);
  const tmp = tempDir('fabric-azure-');
  const tags = (job: string): FabricTags => ({ vault: disk.vault, plan: 'plan-web', job, item: disk.item, scenario: 'PlannedFailover' });

  beforeAll(async () => {
    h = await startReplicationHarness();
    arm = new RecordingArm();
    const credential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    fabric = new AzureFabric({
      subscriptionId: SUB, location: 'westeurope', credential, blobs: h.blobs, storageAccountId: STORAGE_ID, replication: h.deps(), httpClient: arm,
      resourceGroups: [RG], pollIntervalMs: 1, bootDeadlineMs: 60_000, bootPollMs: 15_000, now: () => clock,
      sleep: async (ms) => { slept.push(ms); clock += ms; }, readSerialLog: async (url) => { read.push(url); return arm.serialLogs.get(url) ?? ''; },
    });
    disk = await h.protect('vm-sql', POLICY);
    const src = new SourceDisk(tmp.path, disk, 2 * 1024 * 1024);
    src.io('write -P 0x5e 0 256k');
    const log = src.cutLog({ cutTimeMs: Date.UTC(2026, 10, 22, 1), full: true });
    await uploadLog(h.blobs, disk, log.sequence, log.bytes);
    await mergeDisk(h.deps(), disk);
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
    tmp.cleanup();
  });

  let spec: MachineSpec;

  it('imports a managed disk from the verified staging VHD (createOption Import, sourceUri, storageAccountId)', async () => {
    const d = await fabric.materializeDisk({ source: disk, point: { kind: 'latestProcessed' }, resourceGroup: RG, machineName: 'sql-01', tags: tags('job-pf') });
    const diskPath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/sql-01-disk0`;
    expect(d).toMatchObject({ name: 'sql-01-disk0', managedDiskId: diskPath, sequence: '1' });
    expect(d.blobUrl).toContain(`/${FABRIC_CONTAINERS.disks}/${RG}/sql-01/disk0.vhd`);
    expect(arm.requests).toEqual([{ method: 'GET', path: diskPath, apiVersion: DISKS_API, authorization: 'Bearer test-token', body: undefined }, {
      method: 'PUT', path: diskPath, apiVersion: DISKS_API, authorization: 'Bearer test-token',
      body: {
        location: 'westeurope',
        tags: { asrvault: disk.vault, asrplan: 'plan-web', asrjob: 'job-pf', asritem: 'vm-sql', asrscenario: 'PlannedFailover', asrmachine: 'sql-01', asrpoint: '1-1' },
        sku: { name: 'Standard_LRS' },
        properties: { hyperVGeneration: 'V1', creationData: { createOption: 'Import', sourceUri: d.blobUrl, storageAccountId: STORAGE_ID } },
      },
    }]);
    spec = { resourceGroup: RG, name: 'sql-01', size: 'Standard_E4s_v5', osType: 'Windows', disks: [d], nics: [{ network: VNET, subnet: 'data', staticIp: '10.20.1.7' }], testNetwork: false, tags: tags('job-pf') };
  });

  it('creates the NIC in the mapped subnet with the static IP, then the VM of the target size with the OS disk attached', async () => {
    arm.requests.length = 0;
    const vm = await fabric.createMachine(spec);
    const vmPath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/sql-01`;
    const nicPath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/sql-01-nic0`;
    expect(arm.writes()).toEqual([`PUT ${nicPath}?api-version=${NETWORK_API}`, `PUT ${vmPath}?api-version=${VM_API}`]);
    const [nicPut, vmPut] = arm.requests.filter((r) => r.method === 'PUT');
    // arm-network serialises the subnet reference with an empty `properties` (its wire shape, accepted by ARM).
    expect(nicPut.body).toEqual({
      location: 'westeurope', tags: expect.objectContaining({ asrjob: 'job-pf' }),
      properties: { ipConfigurations: [{ name: 'ipconfig1', properties: { primary: true, subnet: { id: `${VNET}/subnets/data`, properties: {} }, privateIPAllocationMethod: 'Static', privateIPAddress: '10.20.1.7' } }] },
    });
    expect(vmPut.body).toEqual({
      location: 'westeurope', tags: expect.objectContaining({ asrjob: 'job-pf', asritem: 'vm-sql' }),
      properties: {
        hardwareProfile: { vmSize: 'Standard_E4s_v5' },
        storageProfile: { osDisk: { osType: 'Windows', createOption: 'Attach', managedDisk: { id: spec.disks[0].managedDiskId } }, dataDisks: [] },
        networkProfile: { networkInterfaces: [{ id: nicPath, properties: { primary: true } }] },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      },
    });
    expect(vm).toMatchObject({ id: vmPath, name: 'sql-01', size: 'Standard_E4s_v5', powerState: 'Running', disks: ['sql-01-disk0'], nics: [{ subnet: 'data', network: VNET, privateIp: '10.20.1.7', staticIp: '10.20.1.7' }] });

    // Again with the same spec (a replayed activity): the same PUTs, no error.
    arm.requests.length = 0;
    await fabric.createMachine(spec);
    expect(arm.writes()).toEqual([`PUT ${nicPath}?api-version=${NETWORK_API}`, `PUT ${vmPath}?api-version=${VM_API}`]);
    // A VM of that name made by another job is not ours to overwrite.
    await expect(fabric.createMachine({ ...spec, tags: tags('job-other') })).rejects.toMatchObject({ code: 'MachineConflict' });
  });

  it('stops (deallocate), starts and checks through POST start and the instance view', async () => {
    arm.requests.length = 0;
    expect((await fabric.stopMachine(spec)).powerState).toBe('Stopped');
    expect((await fabric.startMachine(spec)).powerState).toBe('Running');
    const vmPath = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/sql-01`;
    expect(arm.writes()).toEqual([`POST ${vmPath}/deallocate?api-version=${VM_API}`, `POST ${vmPath}/start?api-version=${VM_API}`]);
    expect(arm.requests.some((r) => r.method === 'GET' && r.path === `${vmPath}/instanceView` && r.apiVersion === VM_API)).toBe(true);
    expect(await fabric.checkMachine(spec)).toEqual({
      healthy: true, powerState: 'running',
      checks: [
        { name: 'provisioningState', ok: true, detail: 'ProvisioningState/succeeded' }, { name: 'powerState', ok: true, detail: 'VM running' },
        { name: 'vmAgent', ok: true, detail: 'Ready (2.7.41491.1102)' },
      ],
    });
  });

  it('turns an ARM refusal into ArmRequestFailed with the ARM code and what to do', async () => {
    arm.failNext.set('PUT /virtualMachines/sql-02', { status: 409, code: 'SkuNotAvailable', message: 'The requested size for resource sql-02 is currently not available in location westeurope.' });
    const err = await fabric.createMachine({ ...spec, name: 'sql-02', disks: spec.disks.map((d) => ({ ...d, machineName: 'sql-02' })) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricError);
    expect(err).toMatchObject({ code: 'ArmRequestFailed', retryable: false, details: { status: 409, armCode: 'SkuNotAvailable' }, message: expect.stringContaining('SkuNotAvailable') });
    expect((err as FabricError).recommendedAction).toMatch(/restart the job/);
    expect((err as FabricError).message).toMatch(/^could not create VM sql-02/);
  });

  it('cleanup by job deletes the VM, then its NIC and disk, the NIC a failed create left, and the staging VHD; deleting again is a no-op', async () => {
    arm.requests.length = 0;
    const listed = await fabric.listResources({ job: 'job-pf' });
    expect(listed.map((r) => `${r.kind}:${r.name}:${r.machineName}`).sort()).toEqual(['disk:sql-01-disk0:sql-01', 'machine:sql-01:sql-01', 'nic:sql-01-nic0:sql-01', 'nic:sql-02-nic0:sql-02']);
    expect(arm.requests.map((r) => `${r.method} ${r.path.replace(`/subscriptions/${SUB}`, '')}?api-version=${r.apiVersion}`)).toEqual([
      // per resource group: with roles on the recovery groups only, a subscription-wide list is 403
      `GET /resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines?api-version=${VM_API}`,
      `GET /resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces?api-version=${NETWORK_API}`,
      `GET /resourceGroups/${RG}/providers/Microsoft.Compute/disks?api-version=${DISKS_API}`,
    ]);
    arm.requests.length = 0;
    await fabric.cleanup({ job: 'job-pf' });
    const base = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;
    expect(arm.writes()).toEqual([
      `DELETE ${base}/Microsoft.Compute/virtualMachines/sql-01?api-version=${VM_API}`,
      `DELETE ${base}/Microsoft.Network/networkInterfaces/sql-01-nic0?api-version=${NETWORK_API}`,
      `DELETE ${base}/Microsoft.Compute/disks/sql-01-disk0?api-version=${DISKS_API}`,
      // listed before the VM went: deleting again answers 204 and is fine
      `DELETE ${base}/Microsoft.Network/networkInterfaces/sql-01-nic0?api-version=${NETWORK_API}`,
      `DELETE ${base}/Microsoft.Network/networkInterfaces/sql-02-nic0?api-version=${NETWORK_API}`,
      `DELETE ${base}/Microsoft.Compute/disks/sql-01-disk0?api-version=${DISKS_API}`,
    ]);
    expect(await fabric.listResources({ job: 'job-pf' })).toEqual([]);
    expect(arm.has(`${base}/Microsoft.Compute/virtualMachines/sql-01`)).toBe(false);
    expect(await h.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getPageBlobClient(`${RG}/sql-01/disk0.vhd`).exists()).toBe(false);
    expect(await fabric.deleteMachine(spec)).toBe(false);
    expect(await fabric.getMachine(spec)).toBeUndefined();
    await expect(fabric.startMachine(spec)).rejects.toMatchObject({ code: 'MachineNotFound' });
  });
});
