import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { ServiceError } from '../errors';
import { blobPath } from '../naming';
import type { ItemSegments } from './SourceShutdownRequests';
import { readBlobVersion } from './readBlobVersion';

/**
 * The data path of a failback (docs/failback.md): the recovered disk's changes go home to the
 * source site as replica logs in reverse. All blobs of one item live in one container:
 *
 * | blob                                           | written by | what |
 * |------------------------------------------------|------------|------|
 * | `{vault}/{item}/request.json`                  | service    | the pending round ({@link FailbackRequest}) |
 * | `{vault}/{item}/{jobId}/{round}/{disk}.digests` | agent      | block digests of the source disk ({@link encodeFailbackDigests}) |
 * | `{vault}/{item}/{jobId}/{round}/{disk}.hrl`     | service    | the delta: every block that differs, as an HRL log |
 * | `{vault}/{item}/{jobId}/{round}/ready.json`     | service    | written last, once every disk's log is there ({@link FailbackReady}) |
 * | `{vault}/{item}/{jobId}/{round}/applied.json`   | agent      | every disk applied and flushed ({@link FailbackApplied}) |
 */
export const FAILBACK_CONTAINER = 'failback';

/** Bytes one digest covers: the replication block and XTS data unit. */
export const FAILBACK_BLOCK_BYTES = 4096;
/** Bytes of one digest (SHA-256 or HMAC-SHA256). */
export const FAILBACK_DIGEST_BYTES = 32;

export const FailbackRequestSchema = z.object({
  jobId: z.string().min(1),
  /** 1, 2, … one per transfer of the job (a sync before shutdown is 1, the final delta 2, …). */
  round: z.number().int().positive(),
  phase: z.enum(['sync', 'final']),
  requestedAt: z.string(),
  /** The disks to bring home, with their data size in bytes (the source disk's virtual size). */
  disks: z.array(z.object({ diskId: z.string().min(1), dataBytes: z.number().int().positive() })).min(1),
  /**
   * CreateVmIfNotFound: the source disks are gone; the agent writes new raw disk files
   * `{alternateDirectory}/{diskId}.raw` instead of the protected paths.
   */
  alternateDirectory: z.string().min(1).optional(),
  /** The item replicates encrypted: the delta logs are encrypted with the customer key and the digests are keyed. */
  encrypted: z.boolean(),
  /** Hex fingerprint of the customer key (shared/crypto keyFingerprint) when encrypted. */
  keyFingerprint: z.string().optional(),
});
export type FailbackRequest = z.infer<typeof FailbackRequestSchema>;

export const FailbackReadySchema = z.object({
  jobId: z.string(),
  round: z.number().int().positive(),
  preparedAt: z.string(),
  /** Payload bytes of all logs (whole changed blocks). */
  bytesChanged: z.number().int().nonnegative(),
  /** Changed blocks of all disks. */
  blocks: z.number().int().nonnegative(),
  disks: z.array(z.object({
    diskId: z.string(),
    blocks: z.number().int().nonnegative(),
    /** Bytes of the log blob (what is shipped). */
    logBytes: z.number().int().nonnegative(),
    /** Hex Merkle root of the recovered disk's failback digests: the agent checks its disk against it after applying. */
    diskDigest: z.string(),
  })),
});
export type FailbackReady = z.infer<typeof FailbackReadySchema>;

export const FailbackAppliedSchema = z.object({
  jobId: z.string(),
  round: z.number().int().positive(),
  bytesApplied: z.number().int().nonnegative(),
  appliedAt: z.string(),
  /** Who applied (host name and process), for the job's task. */
  agent: z.string(),
  disks: z.array(z.object({
    diskId: z.string(),
    /** The file the data went to (the protected path, or the new file of CreateVmIfNotFound). */
    path: z.string(),
    blocks: z.number().int().nonnegative(),
    /** Hex Merkle root of the applied disk's digests: equals the ready's when the disk matches the recovered one. */
    diskDigest: z.string(),
  })),
});
export type FailbackApplied = z.infer<typeof FailbackAppliedSchema>;

/** `{vault}/{item}/request.json`. */
export function failbackRequestBlob(item: ItemSegments): string {
  return blobPath([item.vault, item.item, 'request.json']);
}

/** `{vault}/{item}/` (every blob of the item's failback). */
export function failbackItemPrefix(item: ItemSegments): string {
  return blobPath([item.vault, item.item], '/');
}

function roundSegments(item: ItemSegments, jobId: string, round: number): string[] {
  return [item.vault, item.item, jobId, String(round)];
}

/** `{vault}/{item}/{jobId}/{round}/{disk}.digests`. */
export function failbackDigestsBlob(item: ItemSegments, jobId: string, round: number, diskId: string): string {
  return blobPath([...roundSegments(item, jobId, round), diskId], '.digests');
}

/** `{vault}/{item}/{jobId}/{round}/{disk}.hrl`. */
export function failbackLogBlob(item: ItemSegments, jobId: string, round: number, diskId: string): string {
  return blobPath([...roundSegments(item, jobId, round), diskId], '.hrl');
}

/** `{vault}/{item}/{jobId}/{round}/ready.json`. */
export function failbackReadyBlob(item: ItemSegments, jobId: string, round: number): string {
  return blobPath([...roundSegments(item, jobId, round), 'ready.json']);
}

/** `{vault}/{item}/{jobId}/{round}/applied.json`. */
export function failbackAppliedBlob(item: ItemSegments, jobId: string, round: number): string {
  return blobPath([...roundSegments(item, jobId, round), 'applied.json']);
}

/**
 * The file CreateVmIfNotFound writes for a disk in the operator's directory: `{item}-{diskId}.raw`.
 * The item is in the name because one directory serves every machine of a plan on that host,
 * and their disks share ids (`disk0`): by disk id alone two machines would write one file.
 */
export function alternateDiskFileName(item: string, diskId: string): string {
  return blobPath([`${item}-${diskId}`], '.raw');
}

/**
 * A digest manifest: the source disk's block digests, as the agent reports them.
 *
 * ```
 * offset 0  8  magic "ASRFBDG1"
 *        8  8  virtualSize (uint64 LE): the disk's size in bytes
 *       16  4  flags (uint32 LE): bit 0 = absent (no disk here: every block must ship)
 *       20  4  reserved, 0
 *       24  32·n digests, n = ceil(virtualSize / 4096), in block order (none when absent)
 * ```
 *
 * A digest is SHA-256 of the 4 KiB block (the last one zero-padded); for an encrypted item it
 * is HMAC-SHA256(digestKey, blockIndex as uint64 LE ‖ block), digestKey derived from the
 * customer key (shared/crypto failbackDigestKey), so digests in storage reveal nothing of the
 * plaintext without the key.
 */
export interface FailbackDigests {
  virtualSize: number;
  absent: boolean;
  /** 32 bytes per block (empty when absent). */
  digests: Buffer;
}

const MAGIC = Buffer.from('ASRFBDG1', 'latin1');
const HEADER = 24;

export function failbackBlockCount(virtualSize: number): number {
  return Math.ceil(virtualSize / FAILBACK_BLOCK_BYTES);
}

export function encodeFailbackDigests(m: FailbackDigests): Buffer {
  const head = Buffer.alloc(HEADER);
  MAGIC.copy(head, 0);
  head.writeBigUInt64LE(BigInt(m.virtualSize), 8);
  head.writeUInt32LE(m.absent ? 1 : 0, 16);
  return Buffer.concat([head, m.absent ? Buffer.alloc(0) : m.digests]);
}

export function decodeFailbackDigests(buf: Buffer, what: string): FailbackDigests {
  const bad = (why: string) => new ServiceError('FailbackDigestsInvalid', `${what}: ${why}`);
  if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC)) throw bad('not a failback digest manifest (bad magic)');
  const virtualSize = Number(buf.readBigUInt64LE(8));
  const flags = buf.readUInt32LE(16);
  if ((flags & ~1) !== 0 || buf.readUInt32LE(20) !== 0) throw bad(`unknown flags ${flags}`);
  const absent = (flags & 1) === 1;
  const digests = buf.subarray(HEADER);
  const expected = absent ? 0 : failbackBlockCount(virtualSize) * FAILBACK_DIGEST_BYTES;
  if (digests.length !== expected) throw bad(`${digests.length} digest bytes, expected ${expected} for ${virtualSize} bytes`);
  return { virtualSize, absent, digests };
}

/** Reads and writes an item's failback blobs. Both the service and an agent with storage access use it. */
export class FailbackTransfers {
  constructor(readonly container: ContainerClient) {}

  async writeRequest(item: ItemSegments, request: FailbackRequest): Promise<void> {
    await this.container.createIfNotExists();
    await this.putJson(failbackRequestBlob(item), FailbackRequestSchema.parse(request));
  }

  async readRequest(item: ItemSegments): Promise<FailbackRequest | undefined> {
    const buf = await this.download(failbackRequestBlob(item));
    return buf && FailbackRequestSchema.parse(JSON.parse(buf.toString('utf8')));
  }

  /** Deletes the request and every round's blobs of the item. */
  async clear(item: ItemSegments): Promise<void> {
    try {
      for await (const b of this.container.listBlobsFlat({ prefix: failbackItemPrefix(item) })) {
        await this.container.getBlobClient(b.name).deleteIfExists();
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  async writeDigests(item: ItemSegments, jobId: string, round: number, diskId: string, m: FailbackDigests): Promise<void> {
    await this.container.createIfNotExists();
    await this.container.getBlockBlobClient(failbackDigestsBlob(item, jobId, round, diskId)).uploadData(encodeFailbackDigests(m));
  }

  async readDigests(item: ItemSegments, jobId: string, round: number, diskId: string): Promise<FailbackDigests | undefined> {
    const name = failbackDigestsBlob(item, jobId, round, diskId);
    const buf = await this.download(name);
    return buf && decodeFailbackDigests(buf, name);
  }

  async writeLog(item: ItemSegments, jobId: string, round: number, diskId: string, log: Buffer): Promise<void> {
    await this.container.getBlockBlobClient(failbackLogBlob(item, jobId, round, diskId)).uploadData(log);
  }

  async readLog(item: ItemSegments, jobId: string, round: number, diskId: string): Promise<Buffer | undefined> {
    return this.download(failbackLogBlob(item, jobId, round, diskId));
  }

  async writeReady(item: ItemSegments, ready: FailbackReady): Promise<void> {
    await this.putJson(failbackReadyBlob(item, ready.jobId, ready.round), FailbackReadySchema.parse(ready));
  }

  async readReady(item: ItemSegments, jobId: string, round: number): Promise<FailbackReady | undefined> {
    const buf = await this.download(failbackReadyBlob(item, jobId, round));
    return buf && FailbackReadySchema.parse(JSON.parse(buf.toString('utf8')));
  }

  async writeApplied(item: ItemSegments, applied: FailbackApplied): Promise<void> {
    await this.putJson(failbackAppliedBlob(item, applied.jobId, applied.round), FailbackAppliedSchema.parse(applied));
  }

  async readApplied(item: ItemSegments, jobId: string, round: number): Promise<FailbackApplied | undefined> {
    const buf = await this.download(failbackAppliedBlob(item, jobId, round));
    return buf && FailbackAppliedSchema.parse(JSON.parse(buf.toString('utf8')));
  }

  private async putJson(name: string, value: unknown): Promise<void> {
    const body = JSON.stringify(value);
    await this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  private async download(name: string): Promise<Buffer | undefined> {
    return (await readBlobVersion(this.container.getBlobClient(name)))?.bytes;
  }
}
