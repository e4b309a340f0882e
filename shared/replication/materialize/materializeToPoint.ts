import type { PageBlobClient } from '@azure/storage-blob';
import { assertKeyFits } from '../../crypto';
import { digestOfBlob, PageBlobWriter } from '../../disk';
import { parseHrl } from '../../hrl';
import { DiskRef, diskKey } from '../../contracts/DiskRef';
import { DiskRecoveryPoint } from '../core/DiskRecoveryPoint';
import { expectationFor } from '../journal/logExpectation';
import { decryptReplicaInPlace } from './decryptReplicaInPlace';
import { tuningOf } from '../core/ReplicationTuning';
import { replicaClient } from '../core/ReplicaBlob';
import { readReplica } from '../../contracts/readReplica';
import { JournalEntry, journalContainer, listJournal } from '../journal/ReplicaJournal';
import { ReplicationDeps } from '../core/ReplicationDeps';
import { ReplicationError } from '../core/ReplicationError';
import { copyPageBlob } from '../core/copyPageBlob';

/** Which state of the disk to produce. Give at most one of `sequence` and `time`; neither = latest merged. */
export interface MaterializeOptions {
  /** Exactly the disk after this log. */
  sequence?: bigint;
  /** The newest log boundary at or before this time (source clock). */
  time?: Date;
  /** Epoch of `sequence`/`time` (default: the replica's current epoch). */
  epoch?: bigint;
  /** Decrypt into plaintext with this key (its fingerprint must match the vault's). */
  key?: Uint8Array;
  /** Refuse to copy an encrypted disk without a key (default false: the ciphertext as stored). */
  keyRequired?: boolean;
  /** Check the result against the log's disk digest before decrypting (default true). */
  verify?: boolean;
}

export interface MaterializeResult {
  epoch: bigint;
  sequence: bigint;
  cutTimeMs: number;
  /** The recovery point whose snapshot was the base. */
  base: DiskRecoveryPoint;
  /** Journal logs replayed on top of it, in order. */
  replayed: bigint[];
  diskDigest: string;
  verified: boolean;
}

/**
 * Produces the disk as it was right after a log boundary into `target` (a new page blob, a
 * fixed VHD like the replica): copy the newest recovery point snapshot at or before the boundary,
 * then replay the journal up to it. The live replica is not touched and no lease is needed, so a
 * failover can run while merges continue. To include logs not merged yet, drain first
 * ({@link drainUpTo}).
 */
export async function materializeToPoint(deps: ReplicationDeps, disk: DiskRef, target: PageBlobClient, options: MaterializeOptions = {}): Promise<MaterializeResult> {
  assertKeyFits({ name: `disk ${diskKey(disk)}`, fingerprint: (await deps.settings.settingsFor(disk)).keyFingerprint, keyRequired: options.keyRequired ?? false }, options.key);
  const tuning = tuningOf(deps);
  const replica = replicaClient(deps, disk);
  const live = await readReplica(replica);
  if (!live?.state) throw new ReplicationError('ReplicaNotFound', `disk ${diskKey(disk)} has no replica yet`);
  const epoch = options.epoch ?? live.state.epoch;
  const points = (await deps.recorder.list(disk)).filter((p) => p.epoch === epoch);
  const journal = await listJournal(deps, disk, epoch);
  const sequence = resolveSequence(options, epoch === live.state.epoch ? live.state.lastAppliedSequence : undefined, points, journal);
  if (epoch === live.state.epoch && sequence > live.state.lastAppliedSequence) {
    throw new ReplicationError('NoRecoveryPoint', `disk ${diskKey(disk)} is merged up to log ${live.state.lastAppliedSequence}, not ${sequence}; drain pending logs first`);
  }
  const base = [...points].reverse().find((p) => p.sequence <= sequence);
  if (!base) throw new ReplicationError('NoRecoveryPoint', `no recovery point of disk ${diskKey(disk)} at or before log ${sequence} of epoch ${epoch}`);

  await copyPageBlob(replica.withSnapshot(base.snapshot), target);

  const replayed: bigint[] = [];
  let digest = base.diskDigest;
  let cutTimeMs = base.cutTimeMs;
  for (let s = base.sequence + 1n; s <= sequence; s++) {
    const entry = journal.find((e) => e.sequence === s);
    if (!entry) throw new ReplicationError('JournalIncomplete', `the journal of disk ${diskKey(disk)} lacks log ${s} of epoch ${epoch}; recover to log ${s - 1n} or earlier`);
    const log = parseHrl(await journalContainer(deps).getBlobClient(entry.blobName).downloadToBuffer(), expectationFor(disk, { epoch, sourceVirtualSize: base.sourceVirtualSize }, s));
    const writer = new PageBlobWriter(target, { maxInFlight: tuning.putConcurrency, maxPutBytes: tuning.maxPutBytes });
    for (const r of log.records) await writer.write(r.offset, r.payload);
    await writer.flush();
    replayed.push(s);
    digest = log.header.diskDigest.toString('hex');
    cutTimeMs = log.header.cutTimeMs;
  }

  let verified = false;
  if (options.verify ?? true) {
    const actual = await digestOfBlob(target, base.sourceVirtualSize);
    if (actual !== digest) {
      throw new ReplicationError('ReplicaDigestMismatch', `the disk materialised for ${diskKey(disk)} at log ${sequence} has digest ${actual}, the log says ${digest}; do not use it, choose another point or resync`);
    }
    verified = true;
  }
  if (options.key) await decryptReplicaInPlace(target, options.key, base.sourceVirtualSize, tuning.copyChunkBytes);
  return { epoch, sequence, cutTimeMs, base, replayed, diskDigest: digest, verified };
}

function resolveSequence(options: MaterializeOptions, latest: bigint | undefined, points: DiskRecoveryPoint[], journal: JournalEntry[]): bigint {
  if (options.sequence !== undefined) return options.sequence;
  if (options.time !== undefined) {
    const t = options.time.getTime();
    const boundaries = [...points.map((p) => ({ s: p.sequence, t: p.cutTimeMs })), ...journal.map((e) => ({ s: e.sequence, t: e.cutTimeMs }))].filter((b) => b.t <= t);
    if (boundaries.length === 0) throw new ReplicationError('NoRecoveryPoint', `no log boundary at or before ${options.time.toISOString()} is kept`);
    return boundaries.reduce((m, b) => (b.s > m ? b.s : m), 0n);
  }
  if (latest === undefined) throw new ReplicationError('EarlierEpochNeedsPoint', 'give a sequence or a time when materialising an earlier epoch');
  return latest;
}
