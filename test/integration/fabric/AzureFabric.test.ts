import { AzureFabric, FABRIC_CONTAINERS, FabricError, FabricTags, MachineSpec } from '../../../shared/fabric';
import { DiskRef, mergeDisk, ReplicationPolicy } from '../../../shared/replication';
import { materializeTargetDisk } from '../../../shared/recovery/activities/materializeTargetDisk';
import type { MaterializeDiskRequest } from '../../../shared/recovery/plan/MaterializeDiskRequest';
import { materializeVerifiedDisk } from '../../../shared/replication/materialize/materializeVerifiedDisk';
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
  const tagsRecord = (job: string) => ({ asrvault: disk.vault, asrplan: 'plan-web', asrjob: job, asritem: disk.item, asrscenario: 'PlannedFailover' });
  const tags = (job: string): FabricTags => ({ vault: disk.vault, plan: 'plan-web', job, item: disk.item, scenario: 'PlannedFailover' });

  beforeAll(async () => {
    h = await startReplicationHarness();
    arm = new RecordingArm();
    const credential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    fabric = new AzureFabric({
      subscriptionId: SUB, location: 'westeurope', credential, blobs: h.blobs, storageAccountId: STORAGE_ID, httpClient: arm,
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
    const d = await materializeTargetDisk({ replication: h.deps(), fabric }, { source: disk, point: { kind: 'latestProcessed' }, resourceGroup: RG, machineName: 'sql-01', tags: tags('job-pf') });
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

  const base = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;
  const materialize = (machineName: string, job: string, extra: Partial<MaterializeDiskRequest> = {}) =>
    materializeTargetDisk({ replication: h.deps(), fabric }, { source: disk, point: { kind: 'latestProcessed' }, resourceGroup: RG, machineName, tags: tags(job), ...extra });

  it('a stale disk from an earlier job is replaced, a retry of the same job reuses its disk, an attached one is refused (DiskConflict)', async () => {
    const diskPath = `${base}/Microsoft.Compute/disks/sql-03-disk0`;
    arm.seed(diskPath, { location: 'westeurope', tags: { ...tagsRecord('job-crashed'), asrpoint: '1-0' }, properties: { diskState: 'Unattached', provisioningState: 'Succeeded' } });
    arm.requests.length = 0;
    await materialize('sql-03', 'job-new');
    expect(arm.writes()).toEqual([`DELETE ${diskPath}?api-version=${DISKS_API}`, `PUT ${diskPath}?api-version=${DISKS_API}`]);
    expect(arm.requests.find((r) => r.method === 'PUT')?.body).toMatchObject({ tags: { asrjob: 'job-new', asrpoint: '1-1' } });
    // The activity replayed (same job, same point): the disk it made is reused, nothing rewritten.
    arm.requests.length = 0;
    const again = await materialize('sql-03', 'job-new');
    expect(arm.writes()).toEqual([]);
    expect(again.managedDiskId).toBe(diskPath);
    // Attached to a VM of an earlier failover: not ours to replace; the error names it all.
    const attached = `${base}/Microsoft.Compute/disks/sql-04-disk0`;
    arm.seed(attached, { managedBy: `${base}/Microsoft.Compute/virtualMachines/sql-04`, tags: { ...tagsRecord('job-earlier'), asrpoint: '1-0' }, properties: { diskState: 'Attached' } });
    arm.requests.length = 0;
    const err = await materialize('sql-04', 'job-new').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DiskConflict', message: expect.stringMatching(/sql-04-disk0.*job job-earlier from point 1-0.*attached to sql-04.*job job-new needs it from point 1-1/) });
    expect((err as FabricError).recommendedAction).toMatch(/Clean up job job-earlier/);
    expect(arm.writes()).toEqual([]);
    await fabric.cleanup({ job: 'job-new' });
  });

  it('a staging VHD whose footer was damaged after it was filled is refused before Azure imports it (DiskFooterInvalid, nothing written)', async () => {
    const target = { source: disk, resourceGroup: RG, machineName: 'sql-05', tags: tags('job-footer') };
    const blob = await fabric.stagingBlob(target);
    const verified = await materializeVerifiedDisk(h.deps(), disk, blob, { point: { kind: 'latestProcessed' } });
    const size = (await blob.getProperties()).contentLength!;
    await blob.uploadPages(Buffer.alloc(512), size - 512, 512);
    arm.requests.length = 0;
    await expect(fabric.adoptDisk({ ...target, ...verified })).rejects.toMatchObject({ code: 'DiskFooterInvalid', message: expect.stringContaining('disk0 of machine sql-05') });
    expect(arm.writes()).toEqual([]);
    await blob.delete();
  });

  it('carries osType (Linux) and Generation 2: disk hyperVGeneration V2, VM osType Linux; a Gen 1-only size is refused before anything is created', async () => {
    arm.requests.length = 0;
    const d = await materialize('lin-01', 'job-gen2', { hyperVGeneration: 'V2' });
    expect(arm.requests.find((r) => r.method === 'PUT')?.body).toMatchObject({ properties: { hyperVGeneration: 'V2' } });
    const linux: MachineSpec = { resourceGroup: RG, name: 'lin-01', size: 'Standard_D2s_v5', osType: 'Linux', hyperVGeneration: 'V2', disks: [d], nics: [{ network: VNET, subnet: 'data' }], testNetwork: false, tags: tags('job-gen2') };
    await expect(fabric.createMachine({ ...linux, size: 'Standard_A2_v2' })).rejects.toMatchObject({ code: 'SizeGenerationUnsupported', message: expect.stringContaining('Standard_A2_v2') });
    expect(arm.writes().filter((w) => w.includes('lin-01-nic0') || w.includes('virtualMachines'))).toEqual([]);
    arm.requests.length = 0;
    await fabric.createMachine(linux);
    const vmPut = arm.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/virtualMachines/lin-01'));
    expect(vmPut?.body).toMatchObject({ properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' }, storageProfile: { osDisk: { osType: 'Linux' } } } });
    await fabric.cleanup({ job: 'job-gen2' });
  });

  it('a guest that never boots is unhealthy after the deadline, with the serial console tail read from the URL ARM returned for that VM', async () => {
    const d = await materialize('dead-01', 'job-boot');
    const spec: MachineSpec = { resourceGroup: RG, name: 'dead-01', size: 'Standard_D2s_v3', disks: [d], nics: [{ network: VNET, subnet: 'data' }], testNetwork: false, tags: tags('job-boot') };
    await fabric.createMachine(spec);
    arm.silentGuests.set(`${base}/Microsoft.Compute/virtualMachines/dead-01`.toLowerCase(), 'BdsDxe: loading Boot0001 "UEFI Microsoft Virtual Disk"\r\nBdsDxe: failed to load Boot0001: Not Found\r\nNo bootable device -- insert boot disk and press any key\r\n');
    slept.length = 0;
    read.length = 0;
    arm.requests.length = 0;
    const check = await fabric.checkMachine(spec);
    expect(check.healthy).toBe(false);
    expect(check.powerState).toBe('running'); // provisioning and power state alone would have said healthy
    expect(check.checks.filter((c) => !c.ok)).toEqual([
      { name: 'vmAgent', ok: false, detail: 'not ready: the guest has not reported (not booted, or no VM agent)' },
      { name: 'serialConsole', ok: false, detail: expect.stringMatching(/failed to load Boot0001: Not Found\nNo bootable device/) },
    ]);
    expect(slept).toEqual([15_000, 15_000, 15_000, 15_000]); // polled until the 60 s deadline, no real waiting
    const diag = arm.requests.filter((r) => r.path.endsWith('/retrieveBootDiagnosticsData'));
    expect(diag.map((r) => r.method)).toEqual(['POST']);
    expect(read).toEqual([...arm.serialLogs.keys()].slice(-1)); // only the URL ARM handed out for this VM
    // The guest comes up: healthy without waiting.
    arm.silentGuests.clear();
    slept.length = 0;
    expect((await fabric.checkMachine(spec)).healthy).toBe(true);
    expect(slept).toEqual([]);
    await fabric.cleanup({ job: 'job-boot' });
  });

  it('waits for ARM long-running operations (201/202 with Azure-AsyncOperation or Location) and retries a 429 after its Retry-After', async () => {
    const d = await materialize('lro-01', 'job-lro');
    const spec: MachineSpec = { resourceGroup: RG, name: 'lro-01', size: 'Standard_D2s_v3', disks: [d], nics: [{ network: VNET, subnet: 'data' }], testNetwork: false, tags: tags('job-lro') };
    const vmPath = `${base}/Microsoft.Compute/virtualMachines/lro-01`;
    arm.asyncNext.set('PUT /networkInterfaces/lro-01-nic0', { header: 'Azure-AsyncOperation', polls: 2 });
    arm.asyncNext.set('PUT /virtualMachines/lro-01', { header: 'Azure-AsyncOperation', polls: 3 });
    arm.throttleNext.set('GET /virtualMachines/lro-01', 7);
    slept.length = 0;
    arm.requests.length = 0;
    const vm = await fabric.createMachine(spec);
    expect(vm).toMatchObject({ name: 'lro-01', powerState: 'Running' });
    const seen = arm.requests.map((r) => `${r.method} ${r.path.replace(`/subscriptions/${SUB}`, '')}`);
    const polls = seen.filter((r) => r.includes('/operations/op-'));
    expect(polls.length).toBe(2 + 1 + 3 + 1); // InProgress x2, Succeeded; InProgress x3, Succeeded
    // The 429 was retried after the 7 s ARM asked for (through the injected wait), and only then did the read succeed.
    expect(slept).toEqual([7000]);
    expect(seen.filter((r) => r === `GET ${vmPath.replace(`/subscriptions/${SUB}`, '')}`).length).toBeGreaterThanOrEqual(2);

    arm.asyncNext.set('POST /virtualMachines/lro-01/deallocate', { header: 'Location', polls: 2 });
    expect((await fabric.stopMachine(spec)).powerState).toBe('Stopped');
    arm.asyncNext.set('POST /virtualMachines/lro-01/start', { header: 'Location', polls: 1, fail: { code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' } });
    const err = await fabric.startMachine(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FabricError);
    expect(err).toMatchObject({ code: 'ArmRequestFailed', message: expect.stringMatching(/^could not start VM lro-01: .*AllocationFailed.*sufficient capacity/) });
    expect(err).toMatchObject({ retryable: false, details: { status: 400, armCode: 'AllocationFailed' } });
    // A failed Azure-AsyncOperation (status resource says Failed) too.
    arm.asyncNext.set('DELETE /virtualMachines/lro-01', { header: 'Azure-AsyncOperation', polls: 0, fail: { code: 'OperationNotAllowed', message: 'The VM is locked.' } });
    await expect(fabric.deleteMachine(spec)).rejects.toMatchObject({
      code: 'ArmRequestFailed', retryable: false, details: { armCode: 'OperationNotAllowed' },
      message: 'could not delete VM lro-01: Azure\'s long-running operation failed: OperationNotAllowed: The VM is locked.',
    });
    await fabric.cleanup({ job: 'job-lro' });
    expect(arm.has(vmPath)).toBe(false);
  });

  it('checkTarget: the group, each subnet and the identity\'s actions exist, else one error naming the missing one', async () => {
    const subnet = `${VNET}/subnets/data`;
    const netGroup = `/subscriptions/${SUB}/resourceGroups/rg-net`;
    arm.seed(`/subscriptions/${SUB}/resourceGroups/${RG}`, { location: 'westeurope' });
    arm.seed(subnet, { properties: { addressPrefix: '10.20.1.0/24' } });
    arm.permissions.set(`/subscriptions/${SUB}/resourceGroups/${RG}`.toLowerCase(), [{ actions: ['Microsoft.Compute/*', 'Microsoft.Network/networkInterfaces/*'], notActions: [] }]);
    arm.permissions.set(netGroup.toLowerCase(), [{ actions: ['Microsoft.Network/virtualNetworks/subnets/join/action', 'Microsoft.Network/virtualNetworks/read'], notActions: [] }]);
    arm.requests.length = 0;
    const ok = await fabric.checkTarget({ resourceGroup: RG, subnetIds: [subnet] });
    expect(ok.checks.map((c) => c.name)).toEqual([`resourceGroup ${RG}`, `permissions ${RG}`, 'subnet vnet-recovery/data', 'permissions rg-net']);
    expect(arm.requests.map((r) => `${r.path}?api-version=${r.apiVersion}`)).toContain(`${netGroup}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`);

    arm.permissions.set(netGroup.toLowerCase(), [{ actions: ['Microsoft.Network/*'], notActions: ['Microsoft.Network/virtualNetworks/subnets/join/action'] }]);
    await expect(fabric.checkTarget({ resourceGroup: RG, subnetIds: [subnet] })).rejects.toMatchObject({
      code: 'TargetPermissionMissing', message: expect.stringContaining('Microsoft.Network/virtualNetworks/subnets/join/action on resource group rg-net'),
      recommendedAction: expect.stringContaining('networkResourceGroups'),
    });
    arm.permissions.set(`/subscriptions/${SUB}/resourceGroups/${RG}`.toLowerCase(), [{ actions: ['Microsoft.Compute/virtualMachines/*', 'Microsoft.Network/*'], notActions: [] }]);
    await expect(fabric.checkTarget({ resourceGroup: RG, subnetIds: [subnet] })).rejects.toMatchObject({
      code: 'TargetPermissionMissing', message: `the app's identity may not Microsoft.Compute/disks/write on resource group ${RG}`,
      recommendedAction: expect.stringContaining('additionalRecoveryResourceGroups'),
    });
    await expect(fabric.checkTarget({ resourceGroup: 'rg-nowhere', subnetIds: [subnet] })).rejects.toMatchObject({ code: 'TargetResourceGroupNotFound', message: expect.stringContaining('rg-nowhere') });
    // Least privilege: ARM answers 403 for a group the app has no role in (existing or not).
    arm.failNext.set('GET /resourceGroups/rg-hidden', { status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action \'Microsoft.Resources/subscriptions/resourceGroups/read\'.' });
    await expect(fabric.checkTarget({ resourceGroup: 'rg-hidden', subnetIds: [subnet] })).rejects.toMatchObject({
      code: 'TargetPermissionMissing', message: expect.stringMatching(/may not read resource group rg-hidden \(it does not exist, or the app has no role there\): AuthorizationFailed/),
      recommendedAction: expect.stringContaining('additionalRecoveryResourceGroups'),
    });
    arm.permissions.clear();
    await expect(fabric.checkTarget({ resourceGroup: RG, subnetIds: [`${VNET}/subnets/nosuch`] })).rejects.toMatchObject({ code: 'TargetSubnetNotFound', message: expect.stringContaining('subnet nosuch of virtual network vnet-recovery') });
  });
});
