import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import { blobPath } from '../../naming';

/** The container of standing reverse-replication records, one blob per item. */
export const REVERSE_REPLICATION_CONTAINER = 'reverse-replication';

/** What the last completed round shipped. */
export const ReverseRoundSchema = z.object({
  round: z.number().int().positive(),
  appliedAt: z.string(),
  bytesShipped: z.number().int().nonnegative(),
  bytesChanged: z.number().int().nonnegative(),
  blocks: z.number().int().nonnegative(),
});
export type ReverseRound = z.infer<typeof ReverseRoundSchema>;

/**
 * An item's standing reverse replication (docs/reverse-replication.md): written by the reprotect
 * RecoveryToPrimary job, stepped by the `reverseReplication` timer, deleted when it stops (a
 * failback starts, failoverCancel, the item leaves ReverseReplicating). Rounds are failback
 * rounds of the pseudo job `roundJobId` (`reverse-{id}`), numbered 1, 2, …
 */
export const ReverseReplicationRecordSchema = z.object({
  vaultKey: z.string().min(1),
  itemArmId: z.string().min(1),
  vault: z.string().min(1),
  item: z.string().min(1),
  roundJobId: z.string().regex(/^reverse-[A-Za-z0-9-]+$/),
  startedAt: z.string(),
  intervalSeconds: z.number().int().positive(),
  diskIds: z.array(z.string().min(1)).min(1),
  keyFingerprint: z.string().optional(),
  /**
   * The customer key sealed (AES-256-GCM, `KeyWrapper`, associated data = `roundJobId`) under the
   * host's key-wrapping secret, as a failover job's orchestration input holds it: never the key
   * itself. Deleted with the record when reverse replication stops.
   */
  sealedKey: z.string().optional(),
  /** The round requested last (0 = none yet) and when. */
  round: z.number().int().nonnegative(),
  roundRequestedAt: z.string().optional(),
  /** The last round that was applied and recorded on the item. */
  last: ReverseRoundSchema.optional(),
  roundsCompleted: z.number().int().nonnegative(),
  totalBytesShipped: z.number().int().nonnegative(),
});
export type ReverseReplicationRecord = z.infer<typeof ReverseReplicationRecordSchema>;

export interface StoredRecord {
  record: ReverseReplicationRecord;
  etag: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** Standing reverse-replication records in Blob storage; every write is conditional (If-Match / If-None-Match). */
export class ReverseReplicationRecords {
  readonly container: ContainerClient;

  constructor(blobs: BlobServiceClient) {
    this.container = blobs.getContainerClient(REVERSE_REPLICATION_CONTAINER);
  }

  static blobOf(item: ItemSegments): string {
    return blobPath([item.vault, item.item], '.json');
  }

  async read(item: ItemSegments): Promise<StoredRecord | undefined> {
    try {
      const blob = this.container.getBlockBlobClient(ReverseReplicationRecords.blobOf(item));
      const res = await blob.download();
      const body = await streamText(res.readableStreamBody);
      return { record: ReverseReplicationRecordSchema.parse(JSON.parse(body)), etag: res.etag! };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Creates or replaces the record (written once by the reprotect job; later writes go through `replace`). */
  async put(record: ReverseReplicationRecord): Promise<void> {
    await this.container.createIfNotExists();
    const body = JSON.stringify(ReverseReplicationRecordSchema.parse(record));
    await this.container.getBlockBlobClient(ReverseReplicationRecords.blobOf(record)).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  /** Replaces the record if it is still `etag`; false when it changed or went (someone stopped it). */
  async replace(stored: StoredRecord, record: ReverseReplicationRecord): Promise<StoredRecord | undefined> {
    const body = JSON.stringify(ReverseReplicationRecordSchema.parse(record));
    try {
      const res = await this.container.getBlockBlobClient(ReverseReplicationRecords.blobOf(record))
        .upload(body, Buffer.byteLength(body), { conditions: { ifMatch: stored.etag }, blobHTTPHeaders: { blobContentType: 'application/json' } });
      return { record, etag: res.etag! };
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async delete(item: ItemSegments): Promise<boolean> {
    try {
      return (await this.container.getBlobClient(ReverseReplicationRecords.blobOf(item)).deleteIfExists()).succeeded;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** Every standing record's item. */
  async list(): Promise<ItemSegments[]> {
    const out: ItemSegments[] = [];
    try {
      for await (const b of this.container.listBlobsFlat()) {
        const m = /^([^/]+)\/([^/]+)\.json$/.exec(b.name);
        if (m) out.push({ vault: m[1], item: m[2] });
      }
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    return out;
  }
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}
