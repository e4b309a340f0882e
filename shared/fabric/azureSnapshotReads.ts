import type { ComputeManagementClient } from '@azure/arm-compute';
import { AnonymousCredential, PageBlobClient } from '@azure/storage-blob';
import { armCall, restStatusOf } from './armCall';
import { FabricError } from './FabricError';
import { fabricDiskName } from './FabricDiskLayout';
import type { FabricDiskTarget } from './FilledDisk';
import { FabricTagFilter, tagsFromRecord, tagsMatch, tagsToRecord } from './FabricTags';
import type { RecoveredDiskRead } from './RecoveredDiskRead';

/** Blob endpoints a managed disk's SAS may point at in Azure (`*.blob.storage.azure.net`, `*.blob.core.windows.net`). */
export const AZURE_DISK_SAS_HOSTS = ['*.blob.storage.azure.net', '*.blob.core.windows.net'];

/** ARM tag naming the managed disk a failback snapshot was taken of. */
const SNAPSHOT_OF_TAG = 'asrfailbackdisk';
/** Long enough for one round's read of a large disk; access is revoked as soon as the read ends. */
const SAS_SECONDS = 3600;

export interface SnapshotReadsOptions {
  compute: ComputeManagementClient;
  subscriptionId: string;
  location: string;
  /** Allowed SAS hosts: `*.suffix` or an exact host (tests: Azurite's). */
  sasHosts: string[];
  lro: () => { updateIntervalInMs?: number };
  now: () => number;
}

/**
 * Failback reads of recovered managed disks (docs/failback.md, Azure): per round an incremental
 * snapshot of the managed disk (allowed while a running VM holds it), a read-only SAS granted by
 * ARM for it (never a URL from a request; its host must be an allowed blob endpoint), read as a
 * page blob; on release the SAS is revoked and older snapshots of the disk are deleted (the
 * newest stays as the base of the next round's diff until commit, cancel or reprotect).
 */
export class AzureSnapshotReads {
  constructor(private readonly o: SnapshotReadsOptions) {}

  async read(target: FabricDiskTarget): Promise<RecoveredDiskRead> {
    const rg = target.resourceGroup;
    const diskName = fabricDiskName(target.machineName, target.source);
    const disk = await armCall(`read managed disk ${diskName}`, () => this.o.compute.disks.get(rg, diskName));
    // Names sort by time: the newest is the base of the next diff, the older ones go.
    const name = `${diskName}-fb-${String(this.o.now()).padStart(15, '0')}`.slice(-80);
    await armCall(`snapshot managed disk ${diskName}`, () => this.o.compute.snapshots.createOrUpdate(rg, name, {
      location: this.o.location,
      tags: { ...tagsToRecord(target.tags), asrmachine: target.machineName, [SNAPSHOT_OF_TAG]: diskName },
      incremental: true,
      creationData: { createOption: 'Copy', sourceResourceId: disk.id },
    }, this.o.lro()));
    let granted = false;
    try {
      const access = await armCall(`grant read access to snapshot ${name}`, () => this.o.compute.snapshots.grantAccess(rg, name, { access: 'Read', durationInSeconds: SAS_SECONDS }, this.o.lro()));
      granted = true;
      const blob = new PageBlobClient(this.checkedSas(access.accessSAS, name), new AnonymousCredential());
      return { blob, release: async () => { await this.revoke(rg, name); await this.deleteOlder(rg, diskName, name); } };
    } catch (e) {
      if (granted) await this.revoke(rg, name);
      throw e;
    }
  }

  /** Deletes every failback snapshot whose tags match (commit, cancel, reprotect, cleanup). */
  async deleteAll(resourceGroups: string[], filter: FabricTagFilter): Promise<string[]> {
    const deleted: string[] = [];
    for (const rg of resourceGroups) {
      for (const s of await this.snapshotsOf(rg)) {
        const tags = tagsFromRecord(s.tags);
        if (tags && tagsMatch(tags, filter)) {
          await this.delete(rg, s.name);
          deleted.push(s.name);
        }
      }
    }
    return deleted;
  }

  private checkedSas(sas: string | undefined, snapshot: string): string {
    let url: URL;
    try {
      url = new URL(sas ?? '');
    } catch {
      throw new FabricError('ArmRequestFailed', `ARM granted read access to snapshot ${snapshot} without a usable SAS URL`);
    }
    const host = url.hostname.toLowerCase();
    const allowed = this.o.sasHosts.some((h) => (h.startsWith('*.') ? host.endsWith(h.slice(1).toLowerCase()) : host === h.toLowerCase()));
    if (!allowed) {
      // The host only: the SAS itself is a credential and is never logged or shown.
      throw new FabricError('DiskAccessHostRefused', `the read access ARM granted to snapshot ${snapshot} points at ${host}, which is not an allowed blob endpoint (${this.o.sasHosts.join(', ')}): not read`, {
        possibleCauses: 'A sovereign cloud or private endpoint whose blob host is not configured, or an answer that did not come from Azure.',
        recommendedAction: 'Add the blob endpoint to ASR_AZURE_DISK_SAS_HOSTS if it is your cloud\'s, else investigate the ARM endpoint the app talks to.',
      });
    }
    return url.toString();
  }

  private async revoke(rg: string, name: string): Promise<void> {
    await armCall(`revoke read access to snapshot ${name}`, () => this.o.compute.snapshots.revokeAccess(rg, name, this.o.lro()));
  }

  private async deleteOlder(rg: string, diskName: string, keep: string): Promise<void> {
    for (const s of await this.snapshotsOf(rg)) {
      if (s.tags?.[SNAPSHOT_OF_TAG] === diskName && s.name < keep) await this.delete(rg, s.name);
    }
  }

  private async delete(rg: string, name: string): Promise<void> {
    await armCall(`delete snapshot ${name}`, () => this.o.compute.snapshots.delete(rg, name, this.o.lro()));
  }

  private async snapshotsOf(rg: string): Promise<{ name: string; tags?: Record<string, string> }[]> {
    const out: { name: string; tags?: Record<string, string> }[] = [];
    try {
      for await (const s of this.o.compute.snapshots.listByResourceGroup(rg)) {
        if (s.name && s.tags?.[SNAPSHOT_OF_TAG]) out.push({ name: s.name, tags: s.tags });
      }
    } catch (e) {
      if (restStatusOf(e) === 404) return out;
      throw e;
    }
    return out;
  }
}
