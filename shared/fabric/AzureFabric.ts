import { ComputeManagementClient, ComputeManagementClientOptionalParams, VirtualMachine } from '@azure/arm-compute';
import { NetworkInterface, NetworkManagementClient } from '@azure/arm-network';
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient, ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { armCall, armGetOrUndefined } from './armCall';
import { FabricError } from './FabricError';
import { FABRIC_CONTAINERS, fabricDiskBlob } from './FabricDiskLayout';
import { FabricMachine, MachinePowerState } from './FabricMachine';
import { FabricCleanupResult, FabricResource } from './FabricResource';
import { FabricTagFilter, tagsFromRecord, tagsMatch, tagsToRecord } from './FabricTags';
import { MachineCheck } from './MachineCheck';
import { MachineRef } from './MachineRef';
import { MachineSpec } from './MachineSpec';
import { FabricDiskTarget, FilledDisk, recordFilledDisk } from './FilledDisk';
import { MaterializedDisk } from './MaterializedDisk';
import { TargetFabric } from './TargetFabric';
import { assertCleanupFilter, validateMachineSpec, validateDiskTarget, validateRef } from './validateFabricRequests';

export interface AzureFabricOptions {
  subscriptionId: string;
  /** Azure region of the recovered machines and disks, e.g. `westeurope`. */
  location: string;
  /** `DefaultAzureCredential` in the product (see `targetFabricFromEnv`). */
  credential: TokenCredential;
  /** The storage account holding the replicas; staging VHDs are written to it. */
  blobs: BlobServiceClient;
  /** ARM id of that storage account (managed disk import needs it). */
  storageAccountId: string;
  /** Managed disk SKU (default `Standard_LRS`). */
  diskSku?: 'Standard_LRS' | 'StandardSSD_LRS' | 'Premium_LRS';
  /** Tests only: the HTTP client both ARM SDKs send through (request-shape tests answer in-process). */
  httpClient?: ComputeManagementClientOptionalParams['httpClient'];
}

/**
 * The target fabric in Azure: a managed disk imported from each staging VHD (createOption
 * `Import`), a NIC per mapped subnet with the static IP, and a VM of the target size with the OS
 * disk attached; start, instance view, deallocate, deletes. Everything is tagged like the local
 * fabric so cleanup can find it.
 *
 * WARNING: never run against Azure from this repository (no network); its tests check the ARM
 * requests it makes (methods, URLs, api-versions, bodies), not Azure's answers. See docs/fabrics.md.
 */
export class AzureFabric implements TargetFabric {
  readonly kind = 'azure' as const;
  private readonly compute: ComputeManagementClient;
  private readonly network: NetworkManagementClient;
  private readonly staging: ContainerClient;

  constructor(private readonly options: AzureFabricOptions) {
    const clientOptions = options.httpClient ? { httpClient: options.httpClient } : {};
    this.compute = new ComputeManagementClient(options.credential, options.subscriptionId, clientOptions);
    this.network = new NetworkManagementClient(options.credential, options.subscriptionId, clientOptions);
    this.staging = options.blobs.getContainerClient(FABRIC_CONTAINERS.disks);
  }

  async stagingBlob(target: FabricDiskTarget): Promise<PageBlobClient> {
    validateDiskTarget(target);
    await this.staging.createIfNotExists();
    return this.stagingBlobOf(target);
  }

  /** Tags the verified staging VHD and imports a managed disk from it. */
  async adoptDisk(filled: FilledDisk): Promise<MaterializedDisk> {
    validateDiskTarget(filled);
    const blob = this.stagingBlobOf(filled);
    const staged = await recordFilledDisk(blob, filled);
    const disk = await armCall(`import managed disk ${staged.name}`, () =>
      this.compute.disks.createOrUpdate(filled.resourceGroup, staged.name, {
        location: this.options.location,
        tags: { ...tagsToRecord(filled.tags), [MACHINE_TAG]: filled.machineName },
        sku: { name: this.options.diskSku ?? 'Standard_LRS' },
        hyperVGeneration: 'V1',
        creationData: { createOption: 'Import', sourceUri: blob.url, storageAccountId: this.options.storageAccountId },
      }),
    );
    return { ...staged, managedDiskId: disk.id };
  }

  private stagingBlobOf(target: FabricDiskTarget): PageBlobClient {
    return this.staging.getPageBlobClient(fabricDiskBlob(target.resourceGroup, target.machineName, target.source));
  }

  async createMachine(spec: MachineSpec): Promise<FabricMachine> {
    validateMachineSpec(spec);
    const existing = await armGetOrUndefined(() => this.compute.virtualMachines.get(spec.resourceGroup, spec.name));
    if (existing && tagsFromRecord(existing.tags)?.job !== spec.tags.job) {
      throw new FabricError('MachineConflict', `a VM named ${spec.name} already exists in resource group ${spec.resourceGroup} and was not made by job ${spec.tags.job}`, {
        possibleCauses: 'Another failover or a person created a VM of that name.',
        recommendedAction: 'Delete that VM (or clean up the earlier test failover), or change the item\'s target VM name.',
      });
    }
    const tags = { ...tagsToRecord(spec.tags), [MACHINE_TAG]: spec.name };
    const nics: NetworkInterface[] = [];
    for (const [i, n] of spec.nics.entries()) {
      nics.push(await armCall(`create NIC of ${spec.name}`, () =>
        this.network.networkInterfaces.beginCreateOrUpdateAndWait(spec.resourceGroup, nicName(spec.name, i), {
          location: this.location(spec),
          tags,
          ipConfigurations: [{
            name: 'ipconfig1',
            primary: true,
            subnet: { id: this.subnetId(spec.resourceGroup, n.network, n.subnet) },
            privateIPAllocationMethod: n.staticIp ? 'Static' : 'Dynamic',
            ...(n.staticIp ? { privateIPAddress: n.staticIp } : {}),
          }],
        }),
      ));
    }
    const [os, ...data] = spec.disks;
    await armCall(`create VM ${spec.name}`, () =>
      this.compute.virtualMachines.createOrUpdate(spec.resourceGroup, spec.name, {
        location: this.location(spec),
        tags,
        hardwareProfile: { vmSize: spec.size },
        storageProfile: {
          osDisk: { osType: spec.osType ?? 'Windows', createOption: 'Attach', managedDisk: { id: this.diskId(spec.resourceGroup, os) } },
          dataDisks: data.map((d, i) => ({ lun: i, createOption: 'Attach', managedDisk: { id: this.diskId(spec.resourceGroup, d) } })),
        },
        networkProfile: { networkInterfaces: nics.map((nic, i) => ({ id: nic.id, primary: i === 0 })) },
      }),
    );
    // ARM creates a VM powered on; describe() reads what it became.
    return this.describe(spec);
  }

  async startMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    await this.mustGet(ref);
    await armCall(`start VM ${ref.name}`, () => this.compute.virtualMachines.start(ref.resourceGroup, ref.name));
    return this.describe(ref);
  }

  async checkMachine(ref: MachineRef): Promise<MachineCheck> {
    validateRef(ref);
    const view = await armCall(`read the instance view of VM ${ref.name}`, () => this.compute.virtualMachines.instanceView(ref.resourceGroup, ref.name));
    const statuses = view.statuses ?? [];
    const provisioning = statuses.find((s) => s.code?.startsWith('ProvisioningState/'));
    const power = statuses.find((s) => s.code?.startsWith('PowerState/'));
    const checks = [
      { name: 'provisioningState', ok: provisioning?.code === 'ProvisioningState/succeeded', detail: provisioning?.displayStatus ?? provisioning?.code ?? 'unknown' },
      { name: 'powerState', ok: power?.code === 'PowerState/running', detail: power?.displayStatus ?? power?.code ?? 'unknown' },
    ];
    for (const d of view.disks ?? []) {
      const bad = (d.statuses ?? []).find((s) => s.level === 'Error');
      checks.push({ name: `disk ${d.name}`, ok: !bad, detail: bad?.message ?? 'ok' });
    }
    return { healthy: checks.every((c) => c.ok), powerState: power?.code?.slice('PowerState/'.length) ?? 'unknown', checks };
  }

  async stopMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    await this.mustGet(ref);
    // Deallocate, not power off: a stopped recovered VM should not bill compute.
    await armCall(`deallocate VM ${ref.name}`, () => this.compute.virtualMachines.deallocate(ref.resourceGroup, ref.name));
    return this.describe(ref);
  }

  async getMachine(ref: MachineRef): Promise<FabricMachine | undefined> {
    validateRef(ref);
    const vm = await armGetOrUndefined(() => this.compute.virtualMachines.get(ref.resourceGroup, ref.name));
    return vm ? this.describe(ref) : undefined;
  }

  async deleteMachine(ref: MachineRef): Promise<boolean> {
    validateRef(ref);
    const vm = await armGetOrUndefined(() => this.compute.virtualMachines.get(ref.resourceGroup, ref.name));
    if (!vm) return false;
    await armCall(`delete VM ${ref.name}`, () => this.compute.virtualMachines.delete(ref.resourceGroup, ref.name));
    for (const nic of vm.networkProfile?.networkInterfaces ?? []) {
      await armCall(`delete NIC ${nameOfId(nic.id)}`, () => this.network.networkInterfaces.beginDeleteAndWait(ref.resourceGroup, nameOfId(nic.id)));
    }
    const disks = [vm.storageProfile?.osDisk?.managedDisk?.id, ...(vm.storageProfile?.dataDisks ?? []).map((d) => d.managedDisk?.id)];
    for (const id of disks) {
      if (id) await armCall(`delete disk ${nameOfId(id)}`, () => this.compute.disks.delete(ref.resourceGroup, nameOfId(id)));
    }
    await this.deleteStaging((name) => name.startsWith(`${ref.resourceGroup}/${ref.name}/`));
    return true;
  }

  async listResources(filter: FabricTagFilter): Promise<FabricResource[]> {
    const out: FabricResource[] = [];
    const add = (kind: FabricResource['kind'], id: string | undefined, tagRecord: Record<string, string> | undefined) => {
      const tags = tagsFromRecord(tagRecord);
      if (!id || !tags || !tagsMatch(tags, filter)) return;
      const name = nameOfId(id);
      out.push({ kind, resourceGroup: resourceGroupOfId(id), name, machineName: tagRecord?.[MACHINE_TAG] ?? name, id, tags });
    };
    for await (const vm of this.compute.virtualMachines.listAll()) add('machine', vm.id, vm.tags);
    for await (const nic of this.network.networkInterfaces.listAll()) add('nic', nic.id, nic.tags);
    for await (const d of this.compute.disks.list()) add('disk', d.id, d.tags);
    return out;
  }

  async cleanup(filter: FabricTagFilter): Promise<FabricCleanupResult> {
    assertCleanupFilter(filter);
    const found = await this.listResources(filter);
    // VMs before NICs and disks: ARM refuses to delete what a VM still uses.
    for (const r of found.filter((x) => x.kind === 'machine')) await this.deleteMachine(r);
    for (const r of found.filter((x) => x.kind === 'nic')) await armCall(`delete NIC ${r.name}`, () => this.network.networkInterfaces.beginDeleteAndWait(r.resourceGroup, r.name));
    for (const r of found.filter((x) => x.kind === 'disk')) await armCall(`delete disk ${r.name}`, () => this.compute.disks.delete(r.resourceGroup, r.name));
    await this.deleteStaging((_, tags) => tags !== undefined && tagsMatch(tags, filter));
    return { deleted: found };
  }

  private async describe(ref: MachineRef): Promise<FabricMachine> {
    const vm = await this.mustGet(ref);
    const view = await armCall(`read the instance view of VM ${ref.name}`, () => this.compute.virtualMachines.instanceView(ref.resourceGroup, ref.name));
    return this.toMachine(vm, ref.resourceGroup, powerStateOf(view.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code));
  }

  private async mustGet(ref: MachineRef): Promise<VirtualMachine> {
    const vm = await armGetOrUndefined(() => this.compute.virtualMachines.get(ref.resourceGroup, ref.name));
    if (!vm) throw new FabricError('MachineNotFound', `VM ${ref.name} does not exist in resource group ${ref.resourceGroup}`, { recommendedAction: 'Create the VM first (the failover does), or check the name.' });
    return vm;
  }

  private async toMachine(vm: VirtualMachine, resourceGroup: string, powerState: MachinePowerState): Promise<FabricMachine> {
    const nics = [];
    for (const ref of vm.networkProfile?.networkInterfaces ?? []) {
      const nic = await armCall(`read NIC ${nameOfId(ref.id)}`, () => this.network.networkInterfaces.get(resourceGroup, nameOfId(ref.id)));
      const ip = nic.ipConfigurations?.[0];
      const subnetId = ip?.subnet?.id ?? '';
      nics.push({ network: subnetId.replace(/\/subnets\/[^/]+$/, ''), subnet: nameOfId(subnetId), staticIp: ip?.privateIPAllocationMethod === 'Static' ? ip.privateIPAddress : undefined, privateIp: ip?.privateIPAddress });
    }
    const disks = [vm.storageProfile?.osDisk?.managedDisk?.id, ...(vm.storageProfile?.dataDisks ?? []).map((d) => d.managedDisk?.id)].filter((x): x is string => !!x).map(nameOfId);
    const tags = tagsFromRecord(vm.tags);
    if (!tags) throw new FabricError('MachineConflict', `VM ${vm.name} carries no failover tags; it was not made by this service`);
    return {
      id: vm.id ?? '', resourceGroup, name: vm.name ?? '', size: vm.hardwareProfile?.vmSize ?? '', powerState, nics, disks,
      testNetwork: false, tags, createdAt: vm.timeCreated ? new Date(vm.timeCreated).toISOString() : '',
    };
  }

  private async deleteStaging(match: (name: string, tags: ReturnType<typeof tagsFromRecord>) => boolean): Promise<void> {
    if (!(await this.staging.exists())) return;
    for await (const b of this.staging.listBlobsFlat({ includeMetadata: true })) {
      if (match(b.name, tagsFromRecord(b.metadata))) await this.staging.getPageBlobClient(b.name).deleteIfExists({ deleteSnapshots: 'include' });
    }
  }

  private location(spec: MachineSpec): string {
    return spec.location ?? this.options.location;
  }

  private diskId(resourceGroup: string, d: MaterializedDisk): string {
    return d.managedDiskId ?? `/subscriptions/${this.options.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/disks/${d.name}`;
  }

  private subnetId(resourceGroup: string, network: string, subnet: string): string {
    const vnet = network.startsWith('/subscriptions/') ? network : `/subscriptions/${this.options.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/${network}`;
    return `${vnet}/subnets/${subnet}`;
  }
}

/** ARM tag naming the machine a disk or NIC belongs to (names alone are ambiguous: `web-1-disk-0`). */
const MACHINE_TAG = 'asrmachine';

function nicName(machine: string, index: number): string {
  return `${machine}-nic${index}`;
}

function nameOfId(id: string | undefined): string {
  return (id ?? '').split('/').filter(Boolean).pop() ?? '';
}

function resourceGroupOfId(id: string): string {
  const m = /\/resourceGroups\/([^/]+)/i.exec(id);
  return m ? m[1] : '';
}

function powerStateOf(code: string | undefined): MachinePowerState {
  if (code === 'PowerState/running' || code === 'PowerState/starting') return 'Running';
  return 'Stopped';
}
