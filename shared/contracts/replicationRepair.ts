import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { ServiceError } from '../errors';
import { blobPath } from '../naming';
import { readBlobVersion } from './readBlobVersion';

/**
 * The contract of a replication repair (ASR's `repairReplication`) between the service and the
 * source agent. The service starts a new epoch on every disk of the item, writes each replica's
 * block digests, then this request; the agent polls it (like a shutdown request, in the same
 * container, with the same read credential) and ships, in that epoch, only the blocks whose
 * digest differs from what it knows it has shipped or what the source holds now.
 */

/** Container the agent already polls for service requests (shared/recovery SourceShutdownRequests). */
export const REPAIR_REQUEST_CONTAINER = 'failover-control';

/**
 * Bytes one digest covers: the agent's block and XTS data unit (4 KiB), so the digest of a
 * replica block is exactly the agent's Merkle leaf for it (SHA-256 of the stored bytes,
 * ciphertext when encrypted) and the two compare without reading the source. A larger chunk
 * would make the digest file smaller but ship whole chunks for one changed block: with 1 % of
 * 4 KiB blocks diverged at random, 64 KiB chunks would ship ~15 % of the disk.
 */
export const REPAIR_DIGEST_BLOCK_BYTES = 4096;
/** Bytes of one digest (SHA-256). */
export const REPAIR_DIGEST_BYTES = 32;

export const RepairRequestSchema = z.object({
  /** The epoch every disk's replica moved to; the agent's next logs are 1, 2, … of it. */
  epoch: z.number().int().positive(),
  requestedAt: z.string(),
  /** Who asked and why (an operator's `asr item resync`, or the agent after detecting lost logs). */
  reason: z.string(),
  /**
   * Reprotect after a failback (docs/failback.md): the agent serves this repair even though it
   * stopped for a committed failover, and replication resumes in the new epoch.
   */
  reprotect: z.boolean().optional(),
  disks: z.array(z.object({
    diskId: z.string(),
    /** Blob (in {@link REPAIR_REQUEST_CONTAINER}) of the replica's digests: 32 bytes per 4 KiB block, in block order. */
    digestsBlob: z.string(),
    blocks: z.number().int().nonnegative(),
  })),
});
export type RepairRequest = z.infer<typeof RepairRequestSchema>;

/** `{vault}/{item}/repair-request.json`. */
export function repairRequestBlob(vaultSegment: string, item: string): string {
  return blobPath([vaultSegment, item, 'repair-request.json']);
}

/** `{vault}/{item}/resync/{disk}.e{epoch}.sha256`. */
export function repairDigestsBlob(vaultSegment: string, item: string, diskId: string, epoch: number): string {
  return blobPath([vaultSegment, item, 'resync', `${diskId}.e${epoch}.sha256`]);
}

/** Reads and writes the request blob of an item. */
export class RepairRequests {
  constructor(private readonly container: ContainerClient) {}

  async read(vaultSegment: string, item: string): Promise<RepairRequest | undefined> {
    const v = await readBlobVersion(this.container.getBlobClient(repairRequestBlob(vaultSegment, item)));
    return v && RepairRequestSchema.parse(JSON.parse(v.bytes.toString('utf8')));
  }

  async write(vaultSegment: string, item: string, request: RepairRequest): Promise<void> {
    await this.container.createIfNotExists();
    const body = JSON.stringify(request);
    await this.container.getBlockBlobClient(repairRequestBlob(vaultSegment, item)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  /** The digests of one disk, checked to be whole. */
  async digests(request: RepairRequest, diskId: string): Promise<Buffer> {
    const d = request.disks.find((x) => x.diskId === diskId);
    if (!d) throw new ServiceError('RepairRequestInvalid', `the repair request of epoch ${request.epoch} has no digests for disk ${diskId}`);
    const buf = await this.container.getBlockBlobClient(d.digestsBlob).downloadToBuffer();
    if (buf.length !== d.blocks * REPAIR_DIGEST_BYTES) throw new ServiceError('RepairRequestInvalid', `digests of disk ${diskId} are ${buf.length} bytes, expected ${d.blocks * REPAIR_DIGEST_BYTES}`);
    return buf;
  }
}
