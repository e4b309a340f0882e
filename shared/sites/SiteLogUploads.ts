import type { BlobServiceClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { resourceDocumentId, vaultRelativeSegments, type MetadataStore, type ProtectedItemProperties, type ResourceDocument } from '../metadata';
import { nameProblem, resourceNameSchema } from '../naming';
import { SHUTDOWN_REQUEST_CONTAINER, SourceShutdownRequests } from '../contracts/SourceShutdownRequests';
import { diskPrefix, pendingLogBlob, readReplica, REPLICA_CONTAINERS, replicaBlob, vaultSegmentOf, type DiskRef } from '../replication';
import { REPAIR_REQUEST_CONTAINER, RepairRequests } from '../contracts/replicationRepair';
import {
  FAILBACK_CONTAINER, failbackAppliedBlob, failbackDigestsBlob, failbackLogBlob, failbackReadyBlob, FailbackTransfers,
} from '../contracts/FailbackTransfers';
import type { LogUploadAnswer, LogUploadRequest, SiteReplicationState } from '../contracts/siteWire';
import type { BlobUrlSigner } from './BlobUrlSigner';
import type { SiteProperties } from './SiteDocuments';
import type { SiteSettings } from './SiteSettings';

export type { LogUploadAnswer, LogUploadRequest, SiteReplicationState } from '../contracts/siteWire';

/**
 * The service side of a registered site's access to storage. The site never holds a storage
 * credential: it gets a create-only URL for exactly the next log blob of its own item's disk
 * (`c` permission: Put Blob of a new blob; no read, no overwrite, no other name), valid for
 * minutes, and reads its replication state through the API. The merge still judges each log.
 */
export class SiteLogUploads {
  private hrlReady: Promise<unknown> | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobServiceClient,
    private readonly signer: BlobUrlSigner,
    private readonly settings: SiteSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async uploadUrl(vaultKey: string, site: ResourceDocument<SiteProperties>, request: LogUploadRequest): Promise<LogUploadAnswer> {
    const item = await this.ownItem(vaultKey, site, request.itemId);
    const disk = this.diskOf(vaultKey, item, request.diskId);
    const blobName = pendingLogBlob(disk, BigInt(request.sequence));
    const replica = await readReplica(this.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)));
    const epoch = replica?.state ? Number(replica.state.epoch) : undefined;
    if (epoch !== undefined && epoch > request.epoch) {
      throw new ServiceError('LogEpochEnded', `disk ${request.diskId} of '${item.name}' replicates in epoch ${epoch} now; logs of epoch ${request.epoch} are no longer taken (resync the item)`);
    }
    const merged = epoch === request.epoch ? Number(replica!.state!.lastAppliedSequence) : 0;
    if (request.sequence <= merged) return { status: 'alreadyMerged', blobName };
    if (request.sequence > merged + this.settings.uploadWindow) {
      throw new ServiceError('LogSequenceAhead',
        `log ${request.sequence} of disk ${request.diskId} is more than ${this.settings.uploadWindow} logs past the last merged one (${merged}); wait for the merge to catch up`,
        { retryable: true });
    }
    const existing = await this.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlobClient(blobName).getProperties().catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) return undefined;
      throw err;
    });
    if (existing) {
      if (existing.contentLength === request.sizeBytes) return { status: 'alreadyUploaded', blobName };
      throw new ServiceError('LogNameTaken', `${REPLICA_CONTAINERS.pending}/${blobName} exists with ${existing.contentLength} bytes, not this log's ${request.sizeBytes}; another agent ships this disk — stop it, then resync`);
    }
    // A fresh storage account has no `hrl` yet, and a create-only URL cannot create a container.
    this.hrlReady ??= this.blobs.getContainerClient(REPLICA_CONTAINERS.pending).createIfNotExists().catch((err: unknown) => {
      this.hrlReady = undefined;
      throw err;
    });
    await this.hrlReady;
    const expiresOn = new Date(this.now().getTime() + this.settings.uploadUrlMinutes * 60_000);
    const uploadUrl = await this.signer.sign(REPLICA_CONTAINERS.pending, blobName, 'c', expiresOn);
    return { status: 'upload', uploadUrl, blobName, expiresOn: expiresOn.toISOString() };
  }

  async replicationState(vaultKey: string, site: ResourceDocument<SiteProperties>, itemId: string): Promise<SiteReplicationState> {
    const item = await this.ownItem(vaultKey, site, itemId);
    const disks: SiteReplicationState['disks'] = [];
    const quarantinedLogs: SiteReplicationState['quarantinedLogs'] = [];
    for (const d of item.properties.providerSpecificDetails.disks) {
      const disk = this.diskOf(vaultKey, item, d.diskId);
      const r = await readReplica(this.blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk)));
      disks.push(r?.state
        ? { diskId: d.diskId, epoch: Number(r.state.epoch), lastAppliedSequence: Number(r.state.lastAppliedSequence), lastAppliedCutTimeMs: r.state.lastAppliedCutTimeMs, replicaMetadata: r.metadata }
        : { diskId: d.diskId, epoch: 0, lastAppliedSequence: 0 });
      const prefix = diskPrefix(disk);
      const quarantine = this.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine);
      if (await quarantine.exists()) {
        for await (const b of quarantine.listBlobsFlat({ prefix, includeMetadata: true })) {
          quarantinedLogs.push({ diskId: d.diskId, fileName: b.name.slice(prefix.length), ...(b.metadata?.reason ? { reason: b.metadata.reason } : {}), metadata: b.metadata ?? {} });
        }
      }
    }
    const shutdownRequest = await new SourceShutdownRequests(this.blobs.getContainerClient(SHUTDOWN_REQUEST_CONTAINER))
      .read({ vault: vaultSegmentOf(vaultKey), item: item.name });
    const repairRequest = await new RepairRequests(this.blobs.getContainerClient(REPAIR_REQUEST_CONTAINER)).read(vaultSegmentOf(vaultKey), item.name);
    const repairDigestUrls: Record<string, string> = {};
    if (repairRequest) {
      // Read-only, for exactly each digests blob, for minutes: the agent downloads what the service computed.
      const expiresOn = new Date(this.now().getTime() + this.settings.uploadUrlMinutes * 60_000);
      for (const d of repairRequest.disks) repairDigestUrls[d.diskId] = await this.signer.sign(REPAIR_REQUEST_CONTAINER, d.digestsBlob, 'r', expiresOn);
    }
    const failback = await this.failbackState(vaultSegmentOf(vaultKey), item.name);
    return { disks, quarantinedLogs, shutdownRequest: shutdownRequest ?? null, repairRequest: repairRequest ?? null, repairDigestUrls, ...failback };
  }

  /** The pending failback round and one URL per blob of it: create-only where the agent writes, read-only where it reads. */
  private async failbackState(vault: string, itemName: string): Promise<Pick<SiteReplicationState, 'failbackRequest' | 'failbackUrls'>> {
    const where = { vault, item: itemName };
    let request;
    try {
      request = await new FailbackTransfers(this.blobs.getContainerClient(FAILBACK_CONTAINER)).readRequest(where);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (!request) return { failbackRequest: null, failbackUrls: null };
    const expiresOn = new Date(this.now().getTime() + this.settings.uploadUrlMinutes * 60_000);
    const sign = (blob: string, permissions: string) => this.signer.sign(FAILBACK_CONTAINER, blob, permissions, expiresOn);
    const digests: Record<string, string> = {};
    const logs: Record<string, string> = {};
    for (const d of request.disks) {
      digests[d.diskId] = await sign(failbackDigestsBlob(where, request.jobId, request.round, d.diskId), 'c');
      logs[d.diskId] = await sign(failbackLogBlob(where, request.jobId, request.round, d.diskId), 'r');
    }
    return {
      failbackRequest: request,
      failbackUrls: {
        jobId: request.jobId, round: request.round, digests, logs,
        ready: await sign(failbackReadyBlob(where, request.jobId, request.round), 'r'),
        applied: await sign(failbackAppliedBlob(where, request.jobId, request.round), 'c'),
      },
    };
  }

  /** The item, if it is this site's: bound at enable-protection (`sourceSiteId`); `SiteItemForbidden` (403) otherwise. */
  private async ownItem(vaultKey: string, site: ResourceDocument<SiteProperties>, itemId: string): Promise<ResourceDocument<ProtectedItemProperties>> {
    const rel = vaultRelativeSegments(itemId);
    const valid = rel?.length === 6 && rel[0].toLowerCase() === 'replicationfabrics' && rel[2].toLowerCase() === 'replicationprotectioncontainers'
      && rel[4].toLowerCase() === 'replicationprotecteditems' && [rel[1], rel[3], rel[5]].every((n) => !nameProblem(resourceNameSchema, n));
    if (!valid) throw new ServiceError('InvalidRequestBody', 'itemId: must be the ARM id of a protected item of this vault', { details: { target: 'itemId' } });
    const item = await this.store.getResource<ProtectedItemProperties>(vaultKey, resourceDocumentId(rel!));
    const owner = item?.properties.providerSpecificDetails.sourceSiteId;
    if (!item || typeof owner !== 'string' || owner.toLowerCase() !== site.properties.siteId.toLowerCase()) {
      throw new ServiceError('SiteItemForbidden', `site '${site.properties.siteId}' does not replicate item '${rel![5]}': a site gets upload URLs and state only for the items it enabled protection for`);
    }
    return item;
  }

  private diskOf(vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, diskId: string): DiskRef {
    if (!item.properties.providerSpecificDetails.disks.some((d) => d.diskId === diskId)) {
      throw new ServiceError('SiteItemForbidden', `item '${item.name}' has no disk '${diskId}'`);
    }
    return { vault: vaultSegmentOf(vaultKey), item: item.name, disk: diskId };
  }
}
