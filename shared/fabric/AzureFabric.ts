import { ComputeManagementClient, ComputeManagementClientOptionalParams, Disk, VirtualMachine } from '@azure/arm-compute';
import { NetworkInterface, NetworkManagementClient } from '@azure/arm-network';
import { createDefaultHttpClient, createPipelineRequest, HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient, ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { armCall, armGetOrUndefined, restStatusOf } from './armCall';
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
import { verifyDiskBlob } from './verifyDiskBlob';
import { AZURE_DISK_SAS_HOSTS, AzureSnapshotReads } from './azureSnapshotReads';
import type { RecoveredDiskRead } from './RecoveredDiskRead';
import { armThrottlePolicy, realSleep } from './armThrottlePolicy';
import { assertSizeSupportsGeneration } from './azureVmGeneration';
import { bootHealthChecks, consoleTail } from './azureBootHealth';
import { checkAzureTarget } from './checkAzureTarget';
import { TargetCheck, TargetCheckRequest } from './TargetCheck';
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
  /**
   * The resource groups the fabric creates in (the recovery groups: `ASR_RECOVERY_RESOURCE_GROUP`
   * and `ASR_AZURE_RESOURCE_GROUPS`, the other groups items name). The orphan sweep lists per
   * group, never subscription-wide: the app's roles are on these groups only. Groups this
   * instance created in are swept too.
   */
  resourceGroups?: string[];
  /** Between polls of an ARM long-running operation (default 2000 ms; ARM's Retry-After wins when longer). */
  pollIntervalMs?: number;
  /** How long `checkMachine` waits for the guest to boot (VM agent Ready) before it fails (default 5 min: create, start and check share one activity, and host.json caps a function at 10 min). */
  bootDeadlineMs?: number;
  /** Between instance-view reads while the guest boots (default 15 s). */
  bootPollMs?: number;
  /** Tests only: the wait between throttled retries and health polls (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Tests only: the clock the boot deadline is measured on (default `Date.now`). */
  now?: () => number;
  /** Hosts a managed disk snapshot's read SAS may point at (`*.suffix` or exact; default Azure's blob endpoints; tests: Azurite's host). */
  diskSasHosts?: string[];
  /** Tests only: reads the serial log from the SAS URL ARM returned for the VM (default `fetch`). */
  readSerialLog?: (sasUrl: string) => Promise<string>;
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
  private readonly httpClient: HttpClient;
  /** Groups this instance created in: swept too, even when the configuration does not list them. */
  private readonly usedGroups = new Set<string>();
  private readonly snapshotReads: AzureSnapshotReads;

  constructor(private readonly options: AzureFabricOptions) {
    // 429s are retried here, honouring Retry-After, with an injectable wait (the SDK's own retry would sleep for real).
    const clientOptions = {
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      additionalPolicies: [{ policy: armThrottlePolicy({ sleep: options.sleep ?? realSleep }), position: 'perRetry' as const }],
    };
    this.compute = new ComputeManagementClient(options.credential, options.subscriptionId, clientOptions);
    this.network = new NetworkManagementClient(options.credential, options.subscriptionId, clientOptions);
    this.staging = options.blobs.getContainerClient(FABRIC_CONTAINERS.disks);
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
    this.snapshotReads = new AzureSnapshotReads({
      compute: this.compute, subscriptionId: options.subscriptionId, location: options.location,
      sasHosts: options.diskSasHosts ?? AZURE_DISK_SAS_HOSTS, lro: () => this.lro(), now: options.now ?? Date.now,
    });
  }

  /** An incremental snapshot of the recovered managed disk, read through the SAS ARM grants for it (see AzureSnapshotReads). */
  async readRecoveredDisk(target: FabricDiskTarget): Promise<RecoveredDiskRead> {
    validateDiskTarget(target);
    return this.snapshotReads.read(target);
  }

  async releaseRecoveredDisks(filter: FabricTagFilter): Promise<void> {
    assertCleanupFilter(filter);
    await this.snapshotReads.deleteAll(this.sweptGroups(), filter);
  }

  async stagingBlob(target: FabricDiskTarget): Promise<PageBlobClient> {
    validateDiskTarget(target);
    await this.staging.createIfNotExists();
    return this.stagingBlobOf(target);
  }

  /** Tags the verified staging VHD and imports a managed disk from it (a stale one of another job or point is replaced or refused). */
  async adoptDisk(filled: FilledDisk): Promise<MaterializedDisk> {
    validateDiskTarget(filled);
    const blob = this.stagingBlobOf(filled);
    // Azure imports whatever the blob holds: make sure it is still the fixed VHD of the right size
    // (the digest was verified when it was filled; the footer is what an import reads first).
    await verifyDiskBlob(blob, { dataBytes: filled.dataBytes, digest: filled.expectedDigest, label: `${filled.source.disk} of machine ${filled.machineName}` }, { footerOnly: true });
    const staged = await recordFilledDisk(blob, filled);
    const disk = await this.importDisk(filled, staged, blob.url);
    return { ...staged, managedDiskId: disk.id };
  }

  private stagingBlobOf(target: FabricDiskTarget): PageBlobClient {
    return this.staging.getPageBlobClient(fabricDiskBlob(target.resourceGroup, target.machineName, target.source));
  }

  async createMachine(spec: MachineSpec): Promise<FabricMachine> {
    validateMachineSpec(spec);
    assertSizeSupportsGeneration(spec);
    this.usedGroups.add(spec.resourceGroup.toLowerCase());
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
        }, this.lro()),
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
        // Managed boot diagnostics: checkMachine reads the serial log when the guest does not come up.
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      }, this.lro()),
    );
    // ARM creates a VM powered on; describe() reads what it became.
    return this.describe(spec);
  }

  async startMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    await this.mustGet(ref);
    await armCall(`start VM ${ref.name}`, () => this.compute.virtualMachines.start(ref.resourceGroup, ref.name, this.lro()));
    return this.describe(ref);
  }

  /**
   * Healthy = provisioned, running, no disk in error, and the guest booted: the VM agent reports
   * Ready. Polls the instance view until then or until `bootDeadlineMs`; an unhealthy answer
   * carries the tail of the serial console (boot diagnostics) so the job error shows why.
   */
  async checkMachine(ref: MachineRef): Promise<MachineCheck> {
    validateRef(ref);
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.bootDeadlineMs ?? 5 * 60_000);
    for (;;) {
      const view = await armCall(`read the instance view of VM ${ref.name}`, () => this.compute.virtualMachines.instanceView(ref.resourceGroup, ref.name));
      const { checks, powerState, settled } = bootHealthChecks(view);
      const healthy = checks.every((c) => c.ok);
      if (healthy || settled || now() >= deadline) {
        if (healthy) return { healthy, powerState, checks };
        const tail = await this.serialConsoleTail(ref);
        return { healthy, powerState, checks: [...checks, { name: 'serialConsole', ok: false, detail: tail }] };
      }
      await (this.options.sleep ?? realSleep)(this.options.bootPollMs ?? 15_000);
    }
  }

  /** Verifies the target resource group, subnets and the app's permissions there (the prerequisites step). */
  async checkTarget(request: TargetCheckRequest): Promise<TargetCheck> {
    validateRef({ resourceGroup: request.resourceGroup, name: 'check' });
    // A `{network}/{subnet}` name is a virtual network in the recovery group, as createMachine reads it.
    const subnetIds = request.subnetIds.map((id) => {
      const named = id.startsWith('/') ? undefined : /^([^/]+)\/([^/]+)$/.exec(id);
      return named ? this.subnetId(request.resourceGroup, named[1], named[2]) : id;
    });
    return checkAzureTarget({ ...request, subnetIds }, {
      subscriptionId: this.options.subscriptionId,
      getJson: async (path) => {
        const r = await armCall(`read ${path.split('?')[0]}`, () => this.compute.pipeline.sendRequest(this.httpClient, createPipelineRequest({ url: `${ARM_ENDPOINT}${path}`, method: 'GET' })));
        return { status: r.status, body: r.bodyAsText ? JSON.parse(r.bodyAsText) as unknown : undefined };
      },
    });
  }

  async stopMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    await this.mustGet(ref);
    // Deallocate, not power off: a stopped recovered VM should not bill compute.
    await armCall(`deallocate VM ${ref.name}`, () => this.compute.virtualMachines.deallocate(ref.resourceGroup, ref.name, this.lro()));
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
    await armCall(`delete VM ${ref.name}`, () => this.compute.virtualMachines.delete(ref.resourceGroup, ref.name, this.lro()));
    for (const nic of vm.networkProfile?.networkInterfaces ?? []) {
      await armCall(`delete NIC ${nameOfId(nic.id)}`, () => this.network.networkInterfaces.beginDeleteAndWait(ref.resourceGroup, nameOfId(nic.id), this.lro()));
    }
    const disks = [vm.storageProfile?.osDisk?.managedDisk?.id, ...(vm.storageProfile?.dataDisks ?? []).map((d) => d.managedDisk?.id)];
    for (const id of disks) {
      if (id) await armCall(`delete disk ${nameOfId(id)}`, () => this.compute.disks.delete(ref.resourceGroup, nameOfId(id), this.lro()));
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
    // Per resource group, never subscription-wide: the app's roles are on the recovery groups only.
    for (const rg of this.sweptGroups()) {
      try {
        for await (const vm of this.compute.virtualMachines.list(rg)) add('machine', vm.id, vm.tags);
        for await (const nic of this.network.networkInterfaces.list(rg)) add('nic', nic.id, nic.tags);
        for await (const d of this.compute.disks.listByResourceGroup(rg)) add('disk', d.id, d.tags);
      } catch (e) {
        if (restStatusOf(e) === 404) continue; // the group does not exist (yet): nothing of ours in it
        await armCall(`list the resources of resource group ${rg}`, () => Promise.reject(e));
      }
    }
    return out;
  }

  async cleanup(filter: FabricTagFilter): Promise<FabricCleanupResult> {
    assertCleanupFilter(filter);
    const found = await this.listResources(filter);
    // VMs before NICs and disks: ARM refuses to delete what a VM still uses.
    for (const r of found.filter((x) => x.kind === 'machine')) await this.deleteMachine(r);
    for (const r of found.filter((x) => x.kind === 'nic')) await armCall(`delete NIC ${r.name}`, () => this.network.networkInterfaces.beginDeleteAndWait(r.resourceGroup, r.name, this.lro()));
    for (const r of found.filter((x) => x.kind === 'disk')) await armCall(`delete disk ${r.name}`, () => this.compute.disks.delete(r.resourceGroup, r.name, this.lro()));
    await this.snapshotReads.deleteAll(this.sweptGroups(), filter);
    await this.deleteStaging((_, tags) => tags !== undefined && tagsMatch(tags, filter));
    return { deleted: found };
  }

  /**
   * The managed disk of a staged VHD. A disk's `creationData` cannot change after creation and
   * its name is the same for every run, so an existing disk is read first: one this job made from
   * this point is reused (a retried activity); a failover's leftover from another job or point
   * that no VM uses is replaced; anything else (attached, or not made by a failover) is refused.
   */
  private async importDisk(request: FilledDisk, staged: MaterializedDisk, sourceUri: string): Promise<Disk> {
    const rg = request.resourceGroup;
    this.usedGroups.add(rg.toLowerCase());
    const point = `${staged.epoch}-${staged.sequence}`;
    const existing = await armGetOrUndefined(() => this.compute.disks.get(rg, staged.name));
    if (existing) {
      const theirs = tagsFromRecord(existing.tags);
      const theirPoint = existing.tags?.[POINT_TAG];
      if (theirs && theirs.job === request.tags.job && theirPoint === point) return existing;
      if (!theirs || existing.managedBy) {
        throw new FabricError('DiskConflict',
          `managed disk ${staged.name} in resource group ${rg} already exists ` +
          `(${theirs ? `made by job ${theirs.job} from point ${theirPoint ?? 'unknown'}` : 'not made by a failover'}${existing.managedBy ? `, attached to ${nameOfId(existing.managedBy)}` : ''}); ` +
          `job ${request.tags.job} needs it from point ${point} and will not attach other contents`, {
            possibleCauses: 'An earlier failover or test failover was not cleaned up, or a person created a disk of that name.',
            recommendedAction: theirs
              ? `Clean up job ${theirs.job} (test failover cleanup, or delete VM ${nameOfId(existing.managedBy)} and the disk), then restart this job.`
              : `Delete or rename disk ${staged.name} in ${rg}, or change the item's target VM name, then restart the job.`,
            details: { disk: staged.name, resourceGroup: rg, job: theirs?.job, point: theirPoint },
          });
      }
      // A leftover of a crashed job or a half-finished cleanup: its contents are not this point's.
      await armCall(`delete stale managed disk ${staged.name} (job ${theirs.job}, point ${theirPoint ?? 'unknown'})`, () => this.compute.disks.delete(rg, staged.name, this.lro()));
    }
    return armCall(`import managed disk ${staged.name}`, () =>
      this.compute.disks.createOrUpdate(rg, staged.name, {
        location: this.options.location,
        tags: { ...tagsToRecord(request.tags), [MACHINE_TAG]: request.machineName, [POINT_TAG]: point },
        sku: { name: this.options.diskSku ?? 'Standard_LRS' },
        hyperVGeneration: request.hyperVGeneration ?? 'V1',
        creationData: { createOption: 'Import', sourceUri, storageAccountId: this.options.storageAccountId },
      }, this.lro()),
    );
  }

  /** The last lines of the VM's serial console, read from the SAS URL ARM returns for this VM only. */
  private async serialConsoleTail(ref: MachineRef): Promise<string> {
    try {
      const data = await armCall(`read boot diagnostics of VM ${ref.name}`, () => this.compute.virtualMachines.retrieveBootDiagnosticsData(ref.resourceGroup, ref.name, { sasUriExpirationTimeInMinutes: 5 }));
      if (!data.serialConsoleLogBlobUri) return 'no serial console log (boot diagnostics off?)';
      const read = this.options.readSerialLog ?? readUrlText;
      return consoleTail(await read(data.serialConsoleLogBlobUri));
    } catch (e) {
      return `serial console log unavailable: ${(e as Error).message}`;
    }
  }

  private sweptGroups(): string[] {
    const all = [...(this.options.resourceGroups ?? []), ...this.usedGroups].map((g) => g.toLowerCase());
    return [...new Set(all)];
  }

  /** Options of every long-running ARM call: the poll interval (short in tests). */
  private lro(): { updateIntervalInMs?: number } {
    return this.options.pollIntervalMs === undefined ? {} : { updateIntervalInMs: this.options.pollIntervalMs };
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
/** ARM tag naming the recovery point (`{epoch}-{sequence}`) a managed disk was imported from. */
const POINT_TAG = 'asrpoint';
const ARM_ENDPOINT = 'https://management.azure.com';

async function readUrlText(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET serial log answered ${r.status}`);
  return r.text();
}

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
