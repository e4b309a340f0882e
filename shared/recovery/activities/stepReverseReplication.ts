import { FAILBACK_CONTAINER, failbackItemPrefix, failbackRequestBlob, FailbackRequestSchema, type FailbackRequest } from '../../contracts/FailbackTransfers';
import type { ItemSegments } from '../../contracts/SourceShutdownRequests';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../metadata';
import { documentIdOfArmId } from '../../metadata/documentIdOfArmId';
import { failbackDigestsEqual, failbackRoundProgress, failbackTransfers, prepareFailbackDelta, type ReplicationDeps } from '../../replication';
import type { TargetFabric } from '../../fabric';
import type { KeyWrapper } from '../jobs/KeyWrapper';
import { recoveredDisksOf, recoveredMachineOf, updateItem, withRecoveredDisks } from './failbackActivities';
import { ReverseReplicationRecords, type ReverseReplicationRecord, type StoredRecord } from './ReverseReplicationRecords';
import { readBlobVersion } from '../../contracts/readBlobVersion';

export interface ReverseReplicationDeps {
  store: MetadataStore;
  fabric: TargetFabric;
  keys: KeyWrapper;
  replication: ReplicationDeps;
  now?: () => Date;
}

/** What one step did for one item. */
export type ReverseStep =
  | { state: 'none' }
  | { state: 'stopped'; reason: string }
  | { state: 'requested'; round: number }
  | { state: 'waiting'; round: number; progress: string }
  | { state: 'applied'; round: number; bytesShipped: number; bytesChanged: number }
  | { state: 'idle'; round: number; nextRoundAt: string };

/** True while the item replicates in reverse, or its reprotect RecoveryToPrimary job is starting it. */
export function reverseActive(p: ProtectedItemProperties): boolean {
  const current = (p as { currentScenario?: { scenarioName?: string } }).currentScenario;
  const status = (p as { currentScenarioStatus?: string }).currentScenarioStatus;
  return p.protectionState === 'ReverseReplicating' || (current?.scenarioName === 'ReverseReprotect' && status === 'InProgress');
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/**
 * The failback channel's request blob as the tick reads it: the pending request and its ETag, so
 * the tick writes a new round only over what it saw (a failback that took the channel meanwhile wins).
 */
async function readChannel(deps: ReverseReplicationDeps, item: ItemSegments): Promise<{ request?: FailbackRequest; etag?: string }> {
  const v = await readBlobVersion(deps.replication.blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackRequestBlob(item)));
  return v ? { request: FailbackRequestSchema.parse(JSON.parse(v.bytes.toString('utf8'))), etag: v.etag } : {};
}

/** Writes the round's request if the channel is still as read (`etag`, or empty); false when someone else wrote it. */
async function writeRequestIf(deps: ReverseReplicationDeps, item: ItemSegments, request: FailbackRequest, etag: string | undefined): Promise<boolean> {
  const container = deps.replication.blobs.getContainerClient(FAILBACK_CONTAINER);
  await container.createIfNotExists();
  const body = JSON.stringify(FailbackRequestSchema.parse(request));
  try {
    await container.getBlockBlobClient(failbackRequestBlob(item)).upload(body, Buffer.byteLength(body), {
      conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' }, blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    return true;
  } catch (err) {
    if (statusOf(err) === 412 || statusOf(err) === 409 || statusOf(err) === 404) return false;
    throw err;
  }
}

/** Deletes the blobs under `prefix` in the failback container. */
async function deletePrefix(deps: ReverseReplicationDeps, prefix: string): Promise<void> {
  const container = deps.replication.blobs.getContainerClient(FAILBACK_CONTAINER);
  try {
    for await (const b of container.listBlobsFlat({ prefix })) await container.getBlobClient(b.name).deleteIfExists();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/** Withdraws the reverse rounds from the channel: the request if it is still ours, and every reverse round's blobs. */
async function withdrawRounds(deps: ReverseReplicationDeps, item: ItemSegments, roundJobId: string): Promise<void> {
  const { request, etag } = await readChannel(deps, item);
  if (request?.jobId === roundJobId && etag) {
    await deps.replication.blobs.getContainerClient(FAILBACK_CONTAINER).getBlobClient(failbackRequestBlob(item)).deleteIfExists({ conditions: { ifMatch: etag } })
      .catch((err: unknown) => { if (statusOf(err) !== 412) throw err; });
  }
  await deletePrefix(deps, `${failbackItemPrefix(item)}${roundJobId}/`);
}

/**
 * Stops an item's reverse replication: deletes its standing record (and with it the sealed key)
 * and withdraws its rounds from the failback channel (a failback's own request stays). Records
 * `Stopped` on the item with `reason`. Idempotent.
 */
export async function stopReverseReplication(deps: ReverseReplicationDeps, item: ItemSegments, reason: string): Promise<boolean> {
  const records = new ReverseReplicationRecords(deps.replication.blobs);
  const stored = await records.read(item);
  if (!stored) return false;
  await records.delete(item);
  await withdrawRounds(deps, item, stored.record.roundJobId);
  const at = (deps.now?.() ?? new Date()).toISOString();
  await updateItem(deps.store, stored.record.vaultKey, stored.record.itemArmId, (p) => ({
    ...p, reverseReplicationDetails: p.reverseReplicationDetails && { ...p.reverseReplicationDetails, state: 'Stopped', stoppedAt: at, stoppedReason: reason },
  }));
  return true;
}

/**
 * One step of an item's reverse replication (docs/reverse-replication.md), run by the
 * `reverseReplication` timer for every standing record and once by the reprotect job to ask for
 * round 1. Each round is a failback `sync` round (the recovered machine keeps running) of the
 * record's pseudo job: ask the agent for its digests, prepare the delta of the blocks that differ
 * (encrypted with the sealed key, opened here and dropped), and once the agent applied it and the
 * primary disk's root equals the recovered disk's, record the round on the item. The next round
 * is asked for `intervalSeconds` after the previous one was. Idempotent and conditional: a
 * record changed meanwhile (another host's tick, a stop) makes this step do nothing.
 */
export async function stepReverseReplication(deps: ReverseReplicationDeps, item: ItemSegments): Promise<ReverseStep> {
  const records = new ReverseReplicationRecords(deps.replication.blobs);
  const now = deps.now?.() ?? new Date();
  const stored = await records.read(item);
  if (!stored) return { state: 'none' };
  const r = stored.record;
  const doc = await deps.store.getResource<ProtectedItemProperties>(r.vaultKey, documentIdOfArmId(r.itemArmId));
  if (!doc || !reverseActive(doc.properties)) {
    const reason = doc ? `the item is ${doc.properties.protectionState}` : 'the item is gone';
    await stopReverseReplication(deps, item, reason);
    return { state: 'stopped', reason };
  }

  if (r.round > 0 && r.last?.round !== r.round) {
    const progress = await failbackRoundProgress(deps.replication, item, r.roundJobId, r.round);
    if (progress === 'Shipping') {
      const found = await recoveredMachineOf(deps.fabric, item);
      const disks = await recoveredDisksOf(deps, item, found);
      const key = r.sealedKey ? deps.keys.unwrap(r.sealedKey, r.roundJobId) : undefined;
      try {
        await withRecoveredDisks(deps, item, found, disks, (read) => prepareFailbackDelta(deps.replication, item, r.round, read, key));
      } finally {
        key?.fill(0);
      }
      return { state: 'waiting', round: r.round, progress: 'Applying' };
    }
    if (typeof progress !== 'object') return { state: 'waiting', round: r.round, progress };
    return recordApplied(deps, records, stored, doc, progress.applied.appliedAt);
  }

  const dueAt = r.roundRequestedAt ? new Date(Date.parse(r.roundRequestedAt) + r.intervalSeconds * 1000) : now;
  if (r.round > 0 && now < dueAt) return { state: 'idle', round: r.round, nextRoundAt: dueAt.toISOString() };
  return requestRound(deps, records, stored, now);
}

/** Asks the agent for the next round, unless a failback owns the channel. */
async function requestRound(deps: ReverseReplicationDeps, records: ReverseReplicationRecords, stored: StoredRecord, now: Date): Promise<ReverseStep> {
  const r = stored.record;
  const item = { vault: r.vault, item: r.item };
  const channel = await readChannel(deps, item);
  if (channel.request && channel.request.jobId !== r.roundJobId) {
    return { state: 'waiting', round: r.round, progress: `the failback channel is in use by job ${channel.request.jobId}` };
  }
  const found = await recoveredMachineOf(deps.fabric, item);
  const disks = await recoveredDisksOf(deps, item, found);
  const round = r.round + 1;
  const next: ReverseReplicationRecord = { ...r, round, roundRequestedAt: now.toISOString() };
  // The record first (If-Match): a stop or another host's tick in between makes this step do nothing.
  if (!(await records.replace(stored, next))) return { state: 'waiting', round: r.round, progress: 'record changed meanwhile' };
  const request: FailbackRequest = {
    jobId: r.roundJobId, round, phase: 'sync', requestedAt: now.toISOString(),
    disks: disks.map((d) => ({ diskId: d.diskId, dataBytes: d.dataBytes })),
    encrypted: !!r.keyFingerprint, ...(r.keyFingerprint ? { keyFingerprint: r.keyFingerprint } : {}),
  };
  if (!(await writeRequestIf(deps, item, request, channel.etag))) return { state: 'waiting', round, progress: 'the failback channel changed meanwhile' };
  // The previous round's blobs (its delta logs) are no longer needed: the agent applied them.
  if (r.round > 0) await deletePrefix(deps, `${failbackItemPrefix(item)}${r.roundJobId}/${r.round}/`);
  // A stop that came between the checks and the write: take the request back.
  if (!(await records.read(item))) await withdrawRounds(deps, item, r.roundJobId);
  return { state: 'requested', round };
}

/** The round is applied: check the primary disk's root against the recovered disk's, then record it on the record and the item. */
async function recordApplied(
  deps: ReverseReplicationDeps, records: ReverseReplicationRecords, stored: StoredRecord, doc: ResourceDocument<ProtectedItemProperties>, appliedAt: string,
): Promise<ReverseStep> {
  const r = stored.record;
  const item = { vault: r.vault, item: r.item };
  const equality = await failbackDigestsEqual(deps.replication, item, r.roundJobId, r.round);
  const ready = await failbackTransfers(deps.replication).readReady(item, r.roundJobId, r.round);
  const bytesShipped = ready?.disks.reduce((n, d) => n + d.logBytes, 0) ?? 0;
  const last = { round: r.round, appliedAt, bytesShipped, bytesChanged: ready?.bytesChanged ?? 0, blocks: ready?.blocks ?? 0 };
  if (!equality.equal) {
    // The agent verifies the same roots before it reports; a mismatch here means the primary disk
    // changed after the apply. The next round ships what differs; nothing is recorded as in sync.
    if (!(await records.replace(stored, { ...r, last: { ...last, bytesShipped: 0 } }))) return { state: 'waiting', round: r.round, progress: 'record changed meanwhile' };
    return { state: 'waiting', round: r.round, progress: 'primary disk differs after apply' };
  }
  const next: ReverseReplicationRecord = { ...r, last, roundsCompleted: r.roundsCompleted + 1, totalBytesShipped: r.totalBytesShipped + bytesShipped };
  if (!(await records.replace(stored, next))) return { state: 'waiting', round: r.round, progress: 'record changed meanwhile' };
  await updateItem(deps.store, r.vaultKey, doc.armId, (p) => ({
    ...p,
    reverseReplicationDetails: {
      state: 'Replicating', startedAt: r.startedAt, intervalSeconds: r.intervalSeconds,
      lastSyncTime: appliedAt, lastRound: r.round, lastBytesShipped: bytesShipped, lastBytesChanged: last.bytesChanged,
      roundsCompleted: next.roundsCompleted, totalBytesShipped: next.totalBytesShipped,
    },
  }));
  return { state: 'applied', round: r.round, bytesShipped, bytesChanged: last.bytesChanged };
}

/** One step of every standing reverse replication (the timer); a failing item does not stop the others. */
export async function sweepReverseReplication(deps: ReverseReplicationDeps, log: (msg: string) => void = () => undefined): Promise<Record<string, ReverseStep | { state: 'error'; message: string }>> {
  const out: Record<string, ReverseStep | { state: 'error'; message: string }> = {};
  for (const item of await new ReverseReplicationRecords(deps.replication.blobs).list()) {
    const name = `${item.vault}/${item.item}`;
    try {
      out[name] = await stepReverseReplication(deps, item);
    } catch (err) {
      out[name] = { state: 'error', message: (err as Error).message };
      log(`reverse replication of ${name}: ${(err as Error).message}`);
    }
  }
  return out;
}
