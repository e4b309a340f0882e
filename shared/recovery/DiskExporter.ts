import { BlobSASPermissions, type BlobClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { FABRIC_CONTAINERS, fabricDiskBlob, materializeDiskToBlob } from '../fabric';
import type { ProtectedItemProperties, ResourceDocument } from '../metadata';
import { vaultSegmentOf, type DiskRef, type ReplicationDeps } from '../replication';
import { choosePointSelectors } from './choosePointSelectors';

/** Container of disks materialised for download from a recovery point. */
export const EXPORT_CONTAINER = 'disk-exports';

export type ExportSource = { kind: 'TestFailover' } | { kind: 'Failover' } | { kind: 'Point'; pointId: string };

export interface ExportedDisk {
  url: string;
  blobName: string;
  sizeBytes: number;
  expiresOn: string;
}

function last(id: string | undefined): string | undefined {
  return id?.split('/').filter(Boolean).pop();
}

/**
 * Hands out a recovered disk for download (`asr item export-disk`): the disk a test failover or
 * failover made in the local fabric, or a recovery point materialised on demand into
 * `disk-exports/`. The answer is a read-only SAS URL valid for an hour; an encrypted item's
 * point is decrypted with the key given for this call only.
 */
export class DiskExporter {
  constructor(private readonly replication: ReplicationDeps, private readonly now: () => Date = () => new Date()) {}

  async export(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, diskId: string, source: ExportSource, key?: Buffer): Promise<ExportedDisk> {
    const d = item.properties.providerSpecificDetails;
    if (!d.disks.some((x) => x.diskId === diskId)) {
      throw new ServiceError('InvalidRequestBody', `properties.diskId: ${item.name} has no disk '${diskId}'; its disks are ${d.disks.map((x) => x.diskId).join(', ')}`, { details: { target: 'properties.diskId' } });
    }
    const disk: DiskRef = { vault: vaultSegmentOf(vaultKey), item: item.name, disk: diskId };
    let blob: BlobClient;
    if (source.kind === 'Point') {
      const chosen = await choosePointSelectors(this.replication, [disk], { kind: 'Point', pointId: source.pointId });
      const name = `${disk.vault}/${disk.item}/${diskId}-${source.pointId}.vhd`;
      const container = this.replication.blobs.getContainerClient(EXPORT_CONTAINER);
      await container.createIfNotExists();
      const target = container.getPageBlobClient(name);
      await materializeDiskToBlob(this.replication, target, {
        source: disk, point: chosen.selectors[diskId], resourceGroup: 'exports', machineName: item.name,
        ...(key ? { key } : {}), tags: { vault: disk.vault, job: 'export', item: item.name, scenario: 'Export' },
      });
      blob = target;
    } else {
      const machine = (d.recoveryAzureVmName ?? item.name) + (source.kind === 'TestFailover' ? '-test' : '');
      blob = this.replication.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient(fabricDiskBlob(last(d.recoveryAzureResourceGroupId) ?? 'asr-recovery', machine, disk));
      if (!(await blob.exists())) {
        throw new ServiceError('NotFound', `${item.name} has no ${source.kind === 'TestFailover' ? 'test failover' : 'failover'} disk '${diskId}' (machine ${machine}); run the ${source.kind === 'TestFailover' ? 'test failover' : 'failover'} first or export from a point`);
      }
    }
    const props = await blob.getProperties();
    const expiresOn = new Date(this.now().getTime() + 3600_000);
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn });
    return { url, blobName: blob.name, sizeBytes: props.contentLength ?? 0, expiresOn: expiresOn.toISOString() };
  }
}
