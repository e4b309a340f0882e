import type { PageBlobClient } from '@azure/storage-blob';
import { FAILBACK_BLOCK_BYTES as BLOCK, type FailbackReady } from '../../contracts/FailbackTransfers';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import { keyFingerprint } from '../../crypto';
import { ServiceError } from '../../errors';
import { HrlWriter } from '../../hrl';
import { FailbackDigester } from '../../integrity';
import type { ReplicationDeps } from '../core/ReplicationDeps';
import type { BlockDigestSource, DifferingBlocks } from './BlockDigestSource';
import { digestComparisonSource } from './digestComparisonSource';
import { failbackTransfers } from './failbackTransfers';

/** A disk of the recovered machine: the fabric's page blob (never a URL from a request) and the source disk's size. */
export interface RecoveredDisk {
  diskId: string;
  blob: PageBlobClient;
  dataBytes: number;
}

/** What a round ships: changed bytes (whole blocks), blocks, and bytes of the logs (what travels: changed bytes + HRL framing). */
export interface FailbackDelta {
  bytesChanged: number;
  blocks: number;
  bytesShipped: number;
}

function deltaOf(ready: FailbackReady): FailbackDelta {
  return { bytesChanged: ready.bytesChanged, blocks: ready.blocks, bytesShipped: ready.disks.reduce((n, d) => n + d.logBytes, 0) };
}

/** Largest record of a delta log (as the agent's own logs). */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * The service's half of a failback round: once the agent reported every disk's digests, writes
 * per disk an HRL log of exactly the blocks where the recovered disk differs (encrypted with the
 * customer key for an encrypted item; the key is used here and never stored), then ready.json.
 * Returns `WaitingForDigests` until the digests are all there.
 *
 * Idempotent: once ready.json exists the round is answered from it (the agent may be applying
 * those logs); before that a rerun rewrites the same logs from the blob as it is.
 */
export async function prepareFailbackDelta(
  deps: ReplicationDeps,
  item: ItemSegments,
  round: number,
  recoveredDisks: RecoveredDisk[],
  key?: Uint8Array,
  source: BlockDigestSource = digestComparisonSource(),
): Promise<'WaitingForDigests' | FailbackDelta> {
  const t = failbackTransfers(deps);
  const request = await t.readRequest(item);
  if (!request || request.round !== round) {
    throw new ServiceError('FailbackRoundNotRequested', `no failback round ${round} is requested for '${item.item}' (pending: ${request ? `round ${request.round} of job ${request.jobId}` : 'none'})`);
  }
  const done = await t.readReady(item, request.jobId, round);
  if (done) return deltaOf(done);
  if (request.encrypted) {
    if (!key) throw new ServiceError('EncryptionKeyRequired', `'${item.item}' replicates encrypted: its failback needs the customer key`);
    const fp = keyFingerprint(key);
    if (fp !== request.keyFingerprint) throw new ServiceError('WrongEncryptionKey', `the key supplied (fingerprint ${fp.slice(0, 16)}…) is not the item's (${request.keyFingerprint?.slice(0, 16)}…)`);
  }
  const useKey = request.encrypted ? key : undefined;
  const digester = new FailbackDigester(useKey);
  const digests = [];
  for (const d of request.disks) {
    const m = await t.readDigests(item, request.jobId, round, d.diskId);
    if (!m) return 'WaitingForDigests';
    if (!m.absent && m.virtualSize !== d.dataBytes) {
      throw new ServiceError('FailbackDiskSizeMismatch', `the source disk ${d.diskId} of '${item.item}' is ${m.virtualSize} bytes, the recovered one ${d.dataBytes}: a resized disk cannot fail back in place (use an alternate location)`);
    }
    digests.push({ disk: d, manifest: m });
  }
  const ready: FailbackReady = { jobId: request.jobId, round, preparedAt: (deps.now?.() ?? new Date()).toISOString(), bytesChanged: 0, blocks: 0, disks: [] };
  for (const { disk, manifest } of digests) {
    const recovered = recoveredDisks.find((r) => r.diskId === disk.diskId);
    if (!recovered) throw new ServiceError('FailbackDiskMissing', `the recovered machine of '${item.item}' has no disk ${disk.diskId}`);
    const diff = await source.differingBlocks(recovered.blob, disk.dataBytes, manifest, digester);
    const log = await buildDeltaLog(item, disk.diskId, round, disk.dataBytes, Date.parse(request.requestedAt), request.phase === 'final', diff, recovered.blob, useKey);
    await t.writeLog(item, request.jobId, round, disk.diskId, log);
    ready.disks.push({ diskId: disk.diskId, blocks: diff.blocks.length, logBytes: log.length, diskDigest: diff.diskDigest.toString('hex') });
    ready.blocks += diff.blocks.length;
    ready.bytesChanged += diff.blocks.length * BLOCK;
    deps.log?.(`failback round ${round} of ${item.vault}/${item.item}/${disk.diskId}: ${diff.blocks.length} blocks differ, log of ${log.length} bytes`);
  }
  // Last: the agent reads no log before this says all are there.
  await t.writeReady(item, ready);
  return deltaOf(ready);
}

async function buildDeltaLog(
  item: ItemSegments, diskId: string, round: number, dataBytes: number, cutTimeMs: number, final: boolean,
  diff: DifferingBlocks, blob: PageBlobClient, key: Uint8Array | undefined,
): Promise<Buffer> {
  const writer = new HrlWriter({
    vaultId: item.vault, protectedItemId: item.item, diskId, sequence: 1n, epoch: BigInt(round), virtualSize: dataBytes,
    cutTimeMs, consistency: 'crash', finalPlannedFailover: final, diskDigest: diff.diskDigest,
  }, key ? { key } : {});
  const parts: Buffer[] = [];
  for (const run of runsOf(diff.blocks)) {
    let payload: Buffer;
    if (diff.data) {
      payload = Buffer.alloc(run.count * BLOCK);
      for (let i = 0; i < run.count; i++) diff.data.get(run.first + i)?.copy(payload, i * BLOCK);
    } else {
      payload = await blob.downloadToBuffer(run.first * BLOCK, run.count * BLOCK);
      if ((run.first + run.count) * BLOCK > dataBytes) payload.fill(0, dataBytes - run.first * BLOCK);
    }
    parts.push(...writer.addRecord(run.first * BLOCK, payload));
  }
  parts.push(...writer.finish());
  return Buffer.concat(parts);
}

/** Ascending block indexes as runs of adjacent blocks, each at most one record. */
function* runsOf(blocks: number[]): Generator<{ first: number; count: number }> {
  const max = MAX_RECORD_BYTES / BLOCK;
  for (let i = 0; i < blocks.length;) {
    let j = i + 1;
    while (j < blocks.length && blocks[j] === blocks[j - 1] + 1 && j - i < max) j++;
    yield { first: blocks[i], count: j - i };
    i = j;
  }
}
