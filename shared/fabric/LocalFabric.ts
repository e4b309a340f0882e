import type { BlobServiceClient, ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { RestError } from '@azure/storage-blob';
import { FabricError } from './FabricError';
import { FABRIC_CONTAINERS, fabricDiskBlob, fabricDiskPrefix, machineRecordBlob } from './FabricDiskLayout';
import { FabricMachine } from './FabricMachine';
import { FabricCleanupResult, FabricResource } from './FabricResource';
import { IP_LEASE_CONTAINER, LocalIpLeases } from './LocalIpLeases';
import { readBlobText } from './readBlobText';
import { FabricTagFilter, tagsFromRecord, tagsMatch, tagsToRecord } from './FabricTags';
import { MachineCheck } from './MachineCheck';
import { MachineRef } from './MachineRef';
import { MachineSpec } from './MachineSpec';
import { FabricDiskTarget, FilledDisk, recordFilledDisk } from './FilledDisk';
import type { RecoveredDiskRead } from './RecoveredDiskRead';
import { MaterializedDisk } from './MaterializedDisk';
import { TargetFabric } from './TargetFabric';
import { parseSubnetId, TargetCheck, TargetCheckRequest } from './TargetCheck';
import { assertCleanupFilter, sameMachineSpec, validateMachineSpec, validateDiskTarget, validateRef } from './validateFabricRequests';
import { DiskDigestReader, verifyDiskBlob } from './verifyDiskBlob';

/** A local machine: the record stored as JSON. */
interface LocalMachineRecord {
  spec: MachineSpec;
  machine: FabricMachine;
}

export interface LocalFabricOptions {
  /** The storage account the fabric keeps disks and records in (the replicas' account). */
  blobs: BlobServiceClient;
  /**
   * FAULT INJECTION for tests: machine names (or protected item ids) whose start fails with
   * `MachineStartFailed`. Same effect as the tag `faultInjection: "FailStart"`. From
   * `ASR_LOCAL_FABRIC_FAULT_FAIL_START` (comma-separated) when built from the environment.
   */
  faultFailStart?: string[];
  /** Wall clock for record times (default `new Date()`). */
  now?: () => Date;
}

/**
 * The target fabric that runs on a laptop: machines are JSON records in blob storage (written
 * with `If-None-Match: *` / `If-Match` ETags), their disks real page blobs filled from recovery
 * points by the caller. Starting a machine does what a boot would notice: every disk's VHD footer is checked
 * and (unless the blob's ETag is still the one it had when materialisation verified it) its
 * Merkle digest compared with the one recorded at materialisation (the source's digest
 * at the point, or for a decrypted disk the digest taken right after the verified copy). A
 * mismatch fails loudly with `DiskFooterInvalid` / `DiskDigestMismatch`, and the machine is
 * recorded `Failed`. Nothing is emulated beyond that: no guest runs.
 */
export class LocalFabric implements TargetFabric {
  readonly kind = 'local' as const;
  private readonly disks: ContainerClient;
  private readonly machines: ContainerClient;
  private readonly ipLeases: ContainerClient;
  private readonly ips: LocalIpLeases;
  private ready?: Promise<unknown>;

  constructor(private readonly options: LocalFabricOptions) {
    this.disks = options.blobs.getContainerClient(FABRIC_CONTAINERS.disks);
    this.machines = options.blobs.getContainerClient(FABRIC_CONTAINERS.machines);
    this.ipLeases = options.blobs.getContainerClient(IP_LEASE_CONTAINER);
    this.ips = new LocalIpLeases(this.ipLeases, async (ref) => (await this.read(ref)) !== undefined);
  }

  async stagingBlob(target: FabricDiskTarget): Promise<PageBlobClient> {
    validateDiskTarget(target);
    await this.ensureContainers();
    return this.diskBlob(target);
  }

  /** The blob is the disk: a failback reads it as it is (nothing to release). */
  async readRecoveredDisk(target: FabricDiskTarget): Promise<RecoveredDiskRead> {
    return { blob: await this.stagingBlob(target), release: async () => {} };
  }

  async releaseRecoveredDisks(): Promise<void> {}

  /** The blob is the disk: tagging it is all there is to take it. */
  async adoptDisk(disk: FilledDisk): Promise<MaterializedDisk> {
    validateDiskTarget(disk);
    return recordFilledDisk(this.diskBlob(disk), disk);
  }

  private diskBlob(target: FabricDiskTarget): PageBlobClient {
    return this.disks.getPageBlobClient(fabricDiskBlob(target.resourceGroup, target.machineName, target.source));
  }

  async createMachine(spec: MachineSpec): Promise<FabricMachine> {
    validateMachineSpec(spec);
    await this.ensureContainers();
    for (const d of spec.disks) {
      const exists = await this.disks.getPageBlobClient(fabricDiskBlob(spec.resourceGroup, spec.name, d.source)).exists();
      if (!exists) throw new FabricError('DiskNotFound', `disk ${d.name} of machine ${spec.name} is not in the target; materialise it first`, { recommendedAction: 'Run the failover again: materialisation must finish before the machine is created.' });
    }
    const machine: FabricMachine = {
      id: localMachineId(spec),
      resourceGroup: spec.resourceGroup,
      name: spec.name,
      size: spec.size,
      powerState: 'Stopped',
      // No network runs here: a static IP is taken as given, a dynamic one stays unknown.
      nics: spec.nics.map((n) => ({ ...n, privateIp: n.staticIp })),
      disks: spec.disks.map((d) => d.name),
      testNetwork: spec.testNetwork,
      tags: spec.tags,
      createdAt: this.now().toISOString(),
    };
    const record: LocalMachineRecord = { spec, machine };
    const body = JSON.stringify(record);
    try {
      await this.recordBlob(spec).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        metadata: tagsToRecord(spec.tags),
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (e) {
      if (!isConflict(e)) throw e;
      return this.existingSame(spec);
    }
    try {
      await this.ips.claim(spec, spec.nics);
    } catch (e) {
      // Not created after all: a retry must not find a machine without its IP.
      await this.recordBlob(spec).deleteIfExists();
      throw e;
    }
    return machine;
  }

  /** `createMachine` found a record of that name: the same spec (a retry) returns it, another is a conflict. */
  private async existingSame(spec: MachineSpec): Promise<FabricMachine> {
    const existing = await this.read(spec);
    if (!existing) throw new FabricError('MachineConflict', `machine ${spec.name} was being created and deleted at the same time; try again`, { retryable: true });
    if (!sameMachineSpec(existing.record.spec, spec)) {
      throw new FabricError('MachineConflict', `a machine named ${spec.name} already exists in resource group ${spec.resourceGroup} with a different spec`, {
        possibleCauses: 'Another failover (or a person) created a machine of that name, or the plan changed between attempts.',
        recommendedAction: 'Delete the existing machine (or clean up the earlier test failover), or change the item\'s target machine name.',
        details: { existingJob: existing.record.spec.tags.job },
      });
    }
    await this.ips.claim(spec, spec.nics); // a retry after a crash between record and leases
    return existing.record.machine;
  }

  /**
   * `readDigest` (the qemu fabric's): reads each disk's data for its digest on every start, not
   * just the first (its guests never write the blobs, so the recovery point's digest stays true).
   */
  async startMachine(ref: MachineRef, options: { readDigest?: (diskIndex: number) => DiskDigestReader } = {}): Promise<FabricMachine> {
    validateRef(ref);
    const { record } = await this.mustRead(ref);
    if (record.machine.powerState === 'Running') return record.machine;
    try {
      this.injectStartFault(record.spec);
      for (const [i, d] of record.spec.disks.entries()) {
        // The digest is the recovery point's: true until the workload first ran and wrote.
        await verifyDiskBlob(this.disks.getPageBlobClient(fabricDiskBlob(ref.resourceGroup, ref.name, d.source)), { dataBytes: d.dataBytes, digest: d.expectedDigest, label: `${d.name} of machine ${ref.name}` }, options.readDigest
          ? { readDigest: options.readDigest(i) }
          : { footerOnly: !!record.machine.firstStartedAt, unchangedSinceEtag: d.verifiedEtag });
      }
    } catch (e) {
      if (e instanceof FabricError) {
        await this.update(ref, (m) => ({ ...m, powerState: 'Failed', lastError: { code: e.code, message: e.message } }));
      }
      throw e;
    }
    return this.update(ref, (m) => {
      const { lastError: _dropped, ...rest } = m;
      return { ...rest, powerState: 'Running', firstStartedAt: rest.firstStartedAt ?? new Date().toISOString() };
    });
  }

  async checkMachine(ref: MachineRef): Promise<MachineCheck> {
    validateRef(ref);
    const { record } = await this.mustRead(ref);
    const checks: MachineCheck['checks'] = [{ name: 'powerState', ok: record.machine.powerState === 'Running', detail: record.machine.powerState }];
    for (const d of record.spec.disks) {
      try {
        await verifyDiskBlob(this.disks.getPageBlobClient(fabricDiskBlob(ref.resourceGroup, ref.name, d.source)), { dataBytes: d.dataBytes, digest: d.expectedDigest, label: d.name }, { footerOnly: true });
        checks.push({ name: `disk ${d.name}`, ok: true, detail: 'fixed VHD footer valid' });
      } catch (e) {
        if (!(e instanceof FabricError)) throw e;
        checks.push({ name: `disk ${d.name}`, ok: false, detail: `${e.code}: ${e.message}` });
      }
    }
    return { healthy: checks.every((c) => c.ok), powerState: record.machine.powerState, checks };
  }

  async stopMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    return this.update(ref, (m) => ({ ...m, powerState: m.powerState === 'Failed' ? 'Failed' : 'Stopped' }));
  }

  async getMachine(ref: MachineRef): Promise<FabricMachine | undefined> {
    validateRef(ref);
    return (await this.read(ref))?.record.machine;
  }

  /** The spec the machine was created with (the qemu fabric boots its disks); undefined when it does not exist. */
  async getMachineSpec(ref: MachineRef): Promise<MachineSpec | undefined> {
    validateRef(ref);
    return (await this.read(ref))?.record.spec;
  }

  async deleteMachine(ref: MachineRef): Promise<boolean> {
    validateRef(ref);
    let deleted = false;
    const existing = await this.read(ref);
    // Disks first, the record last: a retry after a crash still finds the record.
    for await (const b of this.disks.listBlobsFlat({ prefix: fabricDiskPrefix(ref.resourceGroup, ref.name) })) {
      deleted = (await this.disks.getPageBlobClient(b.name).deleteIfExists({ deleteSnapshots: 'include' })).succeeded || deleted;
    }
    if (existing) await this.ips.release(ref, existing.record.spec.nics);
    deleted = (await this.recordBlob(ref).deleteIfExists()).succeeded || deleted;
    return deleted;
  }

  /** Locally every group and network exists and nothing needs a role: only the names are checked. */
  async checkTarget(request: TargetCheckRequest): Promise<TargetCheck> {
    validateRef({ resourceGroup: request.resourceGroup, name: 'check' });
    for (const id of request.subnetIds) {
      if (!(id.startsWith('/') ? parseSubnetId(id) : /^[^/]+\/[^/]+$/.test(id))) {
        throw new FabricError('InvalidFabricRequest', `"${id}" names no subnet: give {network}/{subnet} or a subnet's full ARM id`, { recommendedAction: 'Fix the network mapping or the item\'s target network and subnet.' });
      }
    }
    return { checks: [{ name: `resourceGroup ${request.resourceGroup}`, ok: true, detail: 'local fabric: names valid' }, ...request.subnetIds.map((id) => ({ name: `subnet ${id}`, ok: true, detail: 'local fabric: name valid' }))] };
  }

  async listResources(filter: FabricTagFilter): Promise<FabricResource[]> {
    await this.ensureContainers();
    const out: FabricResource[] = [];
    for await (const b of this.machines.listBlobsFlat({ includeMetadata: true })) {
      const tags = tagsFromRecord(b.metadata);
      if (!tags || !tagsMatch(tags, filter)) continue;
      const [resourceGroup, file] = b.name.split('/');
      const name = file.replace(/\.json$/, '');
      out.push({ kind: 'machine', resourceGroup, name, machineName: name, id: localMachineId({ resourceGroup, name }), tags });
    }
    for await (const b of this.disks.listBlobsFlat({ includeMetadata: true })) {
      const tags = tagsFromRecord(b.metadata);
      if (!tags || !tagsMatch(tags, filter)) continue;
      const [resourceGroup, machineName, file] = b.name.split('/');
      out.push({ kind: 'disk', resourceGroup, name: `${machineName}-${file.replace(/\.vhd$/, '')}`, machineName, id: this.disks.getBlobClient(b.name).url, tags });
    }
    return out;
  }

  async cleanup(filter: FabricTagFilter): Promise<FabricCleanupResult> {
    assertCleanupFilter(filter);
    const found = await this.listResources(filter);
    for (const m of found.filter((r) => r.kind === 'machine')) await this.deleteMachine(m);
    // Disks whose machine was never created (a failover that stopped between the two steps).
    for (const d of found.filter((r) => r.kind === 'disk')) {
      await this.disks.getPageBlobClient(blobNameOfUrl(d.id, FABRIC_CONTAINERS.disks)).deleteIfExists({ deleteSnapshots: 'include' });
    }
    return { deleted: found };
  }

  private injectStartFault(spec: MachineSpec): void {
    const list = this.options.faultFailStart ?? [];
    if (spec.tags.faultInjection === 'FailStart' || list.includes(spec.name) || list.includes(spec.tags.item)) {
      throw new FabricError('MachineStartFailed', `machine ${spec.name} did not start (FAULT INJECTION: the local fabric was told to fail this start)`, {
        possibleCauses: 'Fault injection is on for this machine: the tag faultInjection=FailStart or ASR_LOCAL_FABRIC_FAULT_FAIL_START names it.',
        recommendedAction: 'Remove the fault injection setting, then restart the job.',
      });
    }
  }

  private async update(ref: MachineRef, change: (m: FabricMachine) => FabricMachine): Promise<FabricMachine> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { record, etag } = await this.mustRead(ref);
      const next: LocalMachineRecord = { spec: record.spec, machine: change(record.machine) };
      const body = JSON.stringify(next);
      try {
        await this.recordBlob(ref).upload(body, Buffer.byteLength(body), { conditions: { ifMatch: etag }, metadata: tagsToRecord(record.spec.tags), blobHTTPHeaders: { blobContentType: 'application/json' } });
        return next.machine;
      } catch (e) {
        if (!(e instanceof RestError && e.statusCode === 412)) throw e;
      }
    }
    throw new FabricError('MachineStateInvalid', `machine ${ref.name} is being changed by others; try again`, { retryable: true });
  }

  private async mustRead(ref: MachineRef): Promise<{ record: LocalMachineRecord; etag: string }> {
    const found = await this.read(ref);
    if (!found) throw new FabricError('MachineNotFound', `machine ${ref.name} does not exist in resource group ${ref.resourceGroup}`, { recommendedAction: 'Create the machine first (the failover does), or check the name.' });
    return found;
  }

  private async read(ref: MachineRef): Promise<{ record: LocalMachineRecord; etag: string } | undefined> {
    const found = await readBlobText(this.recordBlob(ref));
    return found && { record: JSON.parse(found.text) as LocalMachineRecord, etag: found.etag };
  }

  private recordBlob(ref: MachineRef) {
    return this.machines.getBlockBlobClient(machineRecordBlob(ref.resourceGroup, ref.name));
  }

  private ensureContainers(): Promise<unknown> {
    this.ready ??= Promise.all([this.disks.createIfNotExists(), this.machines.createIfNotExists(), this.ipLeases.createIfNotExists()]).catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function localMachineId(ref: MachineRef): string {
  return `local:/resourceGroups/${ref.resourceGroup}/virtualMachines/${ref.name}`;
}

function isConflict(e: unknown): boolean {
  return e instanceof RestError && (e.statusCode === 409 || e.statusCode === 412);
}

function blobNameOfUrl(url: string, container: string): string {
  const path = decodeURIComponent(new URL(url).pathname);
  return path.slice(path.indexOf(`/${container}/`) + container.length + 2);
}
