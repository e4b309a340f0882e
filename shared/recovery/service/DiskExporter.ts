import { BlobSASPermissions, type BlobClient } from '@azure/storage-blob';
import { ServiceError } from '../../errors';
import { FABRIC_CONTAINERS, fabricDiskBlob, materializeDiskToBlob } from '../../fabric';
import type { ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { vaultSegmentOf, type DiskRef, type ReplicationDeps } from '../../replication';
import { choosePointSelectors } from '../../replication/journal/choosePointSelectors';
import { DEFAULT_RECOVERY_RESOURCE_GROUP } from '../../config/recoveryResourceGroup';

/** Container of disks materialised for download from a recovery point. */
export const EXPORT_CONTAINER = 'disk-exports';

export type ExportSource = { kind: 'TestFailover' } | { kind: 'Failover' } | { kind: 'Point'; pointId: string };

export interface ExportedDisk {
  url: string;
  blobName: string;
  sizeBytes: number;
  expiresOn: string;
  /**
   * True when the blob holds the encrypted item's ciphertext as replicated: every written 4 KiB
   * unit below `dataBytes` is AES-256-XTS with its unit index as tweak; zero units are unwritten
   * (zeros). The CLI decrypts while downloading; the service never holds the plaintext.
   */
  encrypted: boolean;
  /** Bytes of disk data before the VHD padding and footer (what is decrypted). */
  dataBytes: number;
  keyFingerprint?: string;
}

/** Metadata of an export blob: when its URL expires, after which the sweeper deletes it. */
export const EXPORT_EXPIRES_METADATA = 'asrexportexpires';
/** An export URL's lifetime. */
export const EXPORT_URL_LIFETIME_MS = 3600_000;

function last(id: string | undefined): string | undefined {
  return id?.split('/').filter(Boolean).pop();
}

/**
 * Hands out a recovered disk for download (`asr item export-disk`): the disk a test failover or
 * failover made in the local fabric, or a recovery point materialised on demand into
 * `disk-exports/`. The answer is a read-only SAS URL valid for an hour. An encrypted item's
 * point is exported as ciphertext: the customer's CLI decrypts it while downloading, so no
 * plaintext of it is ever at rest in storage; the sweeper deletes export blobs once their URL
 * has expired.
 */
export class DiskExporter {
  constructor(private readonly replication: ReplicationDeps, private readonly now: () => Date = () => new Date()) {}

  async export(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, diskId: string, source: ExportSource, key?: Buffer): Promise<ExportedDisk> {
    const d = item.properties.providerSpecificDetails;
    if (!d.disks.some((x) => x.diskId === diskId)) {
      throw new ServiceError('InvalidRequestBody', `properties.diskId: ${item.name} has no disk '${diskId}'; its disks are ${d.disks.map((x) => x.diskId).join(', ')}`, { details: { target: 'properties.diskId' } });
    }
    if (key) {
      // A decrypted copy in storage would outlive the URL: the key stays with the customer's CLI.
      throw new ServiceError('ExportKeyNotAccepted', 'the service does not decrypt exports: it hands out the ciphertext and `asr item export-disk --key-file` decrypts while downloading; send no key (update the CLI)',
        { details: { target: 'properties.primaryKekCertificatePfx' } });
    }
    const disk: DiskRef = { vault: vaultSegmentOf(vaultKey), item: item.name, disk: diskId };
    const expiresOn = new Date(this.now().getTime() + EXPORT_URL_LIFETIME_MS);
    let blob: BlobClient;
    let encrypted = false;
    let dataBytes: number;
    if (source.kind === 'Point') {
      const chosen = await choosePointSelectors(this.replication, [disk], { kind: 'Point', pointId: source.pointId });
      const name = `${disk.vault}/${disk.item}/${diskId}-${source.pointId}.vhd`;
      const container = this.replication.blobs.getContainerClient(EXPORT_CONTAINER);
      await container.createIfNotExists();
      const target = container.getPageBlobClient(name);
      encrypted = typeof d.encryptionKeyFingerprint === 'string';
      const made = await materializeDiskToBlob(this.replication, target, {
        source: disk, point: chosen.selectors[diskId], resourceGroup: 'exports', machineName: item.name, keepEncrypted: encrypted,
        tags: { vault: disk.vault, job: 'export', item: item.name, scenario: 'Export' },
      });
      dataBytes = made.dataBytes;
      const metadata = (await target.getProperties()).metadata ?? {};
      await target.setMetadata({ ...metadata, [EXPORT_EXPIRES_METADATA]: expiresOn.toISOString() });
      blob = target;
    } else {
      const machine = (d.recoveryAzureVmName ?? item.name) + (source.kind === 'TestFailover' ? '-test' : '');
      blob = this.replication.blobs.getContainerClient(FABRIC_CONTAINERS.disks).getBlobClient(fabricDiskBlob(last(d.recoveryAzureResourceGroupId) ?? DEFAULT_RECOVERY_RESOURCE_GROUP, machine, disk));
      if (!(await blob.exists())) {
        throw new ServiceError('NotFound', `${item.name} has no ${source.kind === 'TestFailover' ? 'test failover' : 'failover'} disk '${diskId}' (machine ${machine}); run the ${source.kind === 'TestFailover' ? 'test failover' : 'failover'} first or export from a point`);
      }
      dataBytes = 0;
    }
    const props = await blob.getProperties();
    const sizeBytes = props.contentLength ?? 0;
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn });
    return {
      url, blobName: blob.name, sizeBytes, expiresOn: expiresOn.toISOString(), encrypted, dataBytes: dataBytes || Math.max(0, sizeBytes - 512),
      ...(encrypted ? { keyFingerprint: d.encryptionKeyFingerprint } : {}),
    };
  }

  /**
   * Deletes export blobs whose URL has expired (and any export blob without an expiry older
   * than one URL lifetime): nothing an export made stays in storage after it can be downloaded.
   * Returns how many it deleted.
   */
  async sweepExpired(): Promise<number> {
    const container = this.replication.blobs.getContainerClient(EXPORT_CONTAINER);
    if (!(await container.exists())) return 0;
    const now = this.now().getTime();
    let deleted = 0;
    for await (const b of container.listBlobsFlat({ includeMetadata: true })) {
      const expires = Date.parse(b.metadata?.[EXPORT_EXPIRES_METADATA] ?? '');
      const stale = Number.isNaN(expires) ? now - (b.properties.lastModified?.getTime() ?? 0) > EXPORT_URL_LIFETIME_MS : expires <= now;
      if (stale && (await container.getBlobClient(b.name).deleteIfExists({ deleteSnapshots: 'include' })).succeeded) deleted++;
    }
    return deleted;
  }
}
