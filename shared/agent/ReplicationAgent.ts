import { rm } from 'node:fs/promises';
import { DiskImage } from '../disk';
import { openSourceDisk } from './BlockDeviceImage';
import { ServiceError } from '../errors';
import { HrlConsistency } from '../hrl';
import type { DiskRef } from '../contracts/DiskRef';
import { readReplica } from '../contracts/readReplica';
import { REPLICA_CONTAINERS, replicaBlob } from '../contracts/ReplicaBlobLayout';
import { appliedChecksumOf } from '../contracts/ReplicaState';
import { AgentDiskState, AgentState, SHIPPED_LOG_MEMORY } from './AgentState';
import { AgentStateStore } from './AgentStateStore';
import { buildDiskLog, BuiltDiskLog } from './buildDiskLog';
import { changedRuns } from './DataRun';
import { DATA_UNIT_SIZE } from '../crypto';
import { DiskBlockTable } from './DiskBlockTable';
import { takeFileStamp, unchangedSince } from './fileStamp';
import { findChangedBlocks } from './findChangedBlocks';
import type { ChangeTracker, TrackedChanges } from './ChangeTracker';
import { detectChanges } from './detectChanges';
import { QemuDirtyBitmapTracker } from './qemu/QemuDirtyBitmapTracker';
import { readEncryptionKey } from './readEncryptionKey';
import { SeedSource } from './SeedSource';
import { checksumOfLogFile } from './uploadLog';
import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import type { ShutdownRequest } from '../contracts/SourceShutdownRequests';
import { MergeTarget, replicaProgress } from './waitForMerge';
import { REPAIR_DIGEST_BYTES, type RepairRequest } from '../contracts/replicationRepair';

/** What the agent says when the item's failover was committed: why it stops, and what is next. */
export function replicationEndedError(item: string, jobId: string): ServiceError {
  return new ServiceError('ReplicationEnded',
    `replication of '${item}' has ended: its failover was committed (job ${jobId}) and the machine now runs in the recovery site; ` +
    'the service takes no more logs from this source, so nothing was shipped. A failback brings the data home: when one is requested, \'asr agent sync\' or \'asr agent run\' serves it (docs/failback.md); a reprotect after it resumes replication.');
}

/** `blocks` in consecutive pieces of at most `max`; always at least one piece (an idle disk still ships an empty log). */
function splitBlocks(blocks: number[], max: number): number[][] {
  const parts: number[][] = [];
  for (let i = 0; i < blocks.length; i += max) parts.push(blocks.slice(i, i + max));
  return parts.length > 0 ? parts : [[]];
}

/** What one disk did in one cycle. */
export interface DiskCycleReport extends BuiltDiskLog {
  diskId: string;
  /** Sequence of the disk's last log of this cycle (the one at the cut). */
  sequence: number;
  changedBlocks: number;
  bytesRead: number;
  /** True when the file's stamps showed no write since the last cut, so nothing was read. */
  skippedByStamp: boolean;
  /** A repair only: blocks whose replica digest differed from what the agent had shipped (part of `changedBlocks`). */
  divergedBlocks?: number;
  /** A disk with change tracking (`asr agent track`): whether this cycle compared every block, why, and what a verifying scan found the tracker missed. */
  tracking?: { kind: string; fullScan: boolean; reason?: string; missedBlocks?: number };
}

/** A tracker's cycle begun on one disk: ended acknowledged once the cut is committed, unacknowledged otherwise. */
interface BegunTracking {
  tracker: ChangeTracker;
  changes: TrackedChanges;
}

/** A disk whose replica is behind what the service acknowledged. */
export interface LostWrites {
  diskId: string;
  acked: number;
  replica?: { epoch: number; sequence: number };
}

export interface CycleReport {
  cutTimeMs: number;
  disks: DiskCycleReport[];
  bytesUploaded: number;
  targets: MergeTarget[];
  /** Set when this cut was a repair: the new epoch it shipped (sequences 1, 2, … of it). */
  repairEpoch?: number;
}

export interface CycleOptions {
  consistency?: HrlConsistency;
  finalPlannedFailover?: boolean;
  /** Payload cap of one log (default {@link MAX_LOG_PAYLOAD_BYTES}); a multiple of 4096. */
  maxLogPayloadBytes?: number;
  onProgress?(diskId: string, done: number, total: number): void;
}

/** Default payload of one seed log: a merge holds a whole log in memory (at most 1 GiB). */
export const DEFAULT_SEED_LOG_BYTES = 64 * 1024 * 1024;

/**
 * Most payload one cycle log carries. A cycle that changed more ships several logs with the
 * same cut time (consecutive sequences; only the last one is the consistent cut), so no log
 * nears the merge engine's 1 GiB limit and each fits the agent's memory for upload.
 */
export const MAX_LOG_PAYLOAD_BYTES = 128 * 1024 * 1024;

/**
 * The source side of one protected item: its committed state, the disks' block tables (kept
 * in memory between cycles so the Merkle trees update incrementally), and the key. Every step
 * commits in the order build log → commit state (log in the outbox) → upload → clear outbox,
 * so a crash or a network failure at any point leaves either the previous cut or a built log
 * that the next call uploads; nothing is skipped and nothing is shipped twice under two names.
 */
export class ReplicationAgent {
  /** Seeds in progress in this process: one pass over each image across seed logs. */
  private readonly seeds = new Map<string, SeedSource>();

  private constructor(
    readonly store: AgentStateStore,
    private state: AgentState,
    private readonly tables: Map<string, DiskBlockTable>,
    private readonly channel: ReplicaChannel,
    private readonly key: Buffer | undefined,
    private readonly release: () => Promise<void>,
  ) {}

  /** Opens the item's committed state and takes its lock; {@link close} releases it. */
  static async open(store: AgentStateStore, access: ReplicaAccess, keyFile?: string): Promise<ReplicationAgent> {
    const channel = channelOf(access);
    await store.require(); // a clear NotProtected before touching anything
    const release = await store.lock();
    try {
      // Read again under the lock: another process may have committed a cut meanwhile.
      return await ReplicationAgent.load(store, await store.require(), channel, keyFile, release);
    } catch (err) {
      await release();
      throw err;
    }
  }

  private static async load(store: AgentStateStore, state: AgentState, channel: ReplicaChannel, keyFile: string | undefined, release: () => Promise<void>): Promise<ReplicationAgent> {
    let key: Buffer | undefined;
    const file = keyFile ?? state.keyFile ?? undefined;
    if (state.keyFingerprint) {
      if (!file) throw new ServiceError('EncryptionKeyRequired', 'this item replicates encrypted: pass --encryption-key-file');
      const k = await readEncryptionKey(file);
      if (k.fingerprint !== state.keyFingerprint) {
        throw new ServiceError('WrongEncryptionKey', `the key in ${file} (fingerprint ${k.fingerprint.slice(0, 16)}…) is not the one this item was protected with (${state.keyFingerprint.slice(0, 16)}…)`);
      }
      key = k.key;
    }
    const tables = new Map<string, DiskBlockTable>();
    for (const d of state.disks) tables.set(d.diskId, await store.loadTable(d));
    await store.ensureDirs(state.disks.map((d) => d.diskId));
    return new ReplicationAgent(store, state, tables, channel, key, release);
  }

  /** Closes seeds in progress and releases the lock. */
  async close(): Promise<void> {
    await this.closeSeeds();
    await this.release();
  }

  get current(): AgentState {
    return this.state;
  }

  /** The customer's key when the item replicates encrypted (a failback decrypts its delta logs with it). */
  get encryptionKey(): Buffer | undefined {
    return this.key;
  }

  diskRef(d: AgentDiskState): DiskRef {
    return { vault: this.state.vaultSegment, item: this.state.item, disk: d.diskId };
  }

  get seeded(): boolean {
    return this.state.disks.every((d) => d.seedOffset === null);
  }

  /**
   * Where each disk stands once its logs so far are merged, with what to verify on the way: the
   * protection id and the checksums of the disk's last shipped logs (waitForMerge).
   */
  mergeTargets(): MergeTarget[] {
    return this.state.disks.map((d) => ({
      disk: this.diskRef(d),
      epoch: this.state.epoch,
      sequence: d.nextSequence - 1,
      protectionId: this.state.protectionId,
      logs: d.shipped.filter((l) => l.epoch === this.state.epoch),
      stateDir: this.store.dir,
      acked: d.ackedSequence,
      since: this.state.epochSince,
    }));
  }

  /**
   * Uploads logs committed but not yet known uploaded (after a crash or a network failure),
   * stamped with the protection id, and remembers each one's checksum. A log the replica has
   * already applied is not sent again when the replica's checksum for it is ours (it merged
   * before the crash) or no longer kept (it cannot be judged either way); a different checksum
   * is sent, so the merge quarantines it and the item turns Critical. Returns bytes sent.
   */
  async flushOutbox(): Promise<number> {
    let sent = 0;
    if (!this.state.disks.some((d) => d.outbox.length > 0)) return sent;
    const disks: AgentDiskState[] = [];
    for (const d of this.state.disks) {
      let shipped = d.shipped;
      const replica = d.outbox.length > 0 ? await this.replicaStateOf(d) : undefined;
      for (const seq of d.outbox) {
        const file = this.store.outboxPath(d.diskId, seq);
        let sha256: string;
        const applied = replica && BigInt(seq) <= replica.lastAppliedSequence ? appliedChecksumOf(replica, BigInt(seq)) ?? 'unknown' : undefined;
        const local = applied === undefined ? undefined : await checksumOfLogFile(file);
        if (applied !== undefined && (applied === local || applied === 'unknown')) {
          sha256 = local!;
        } else {
          const up = await this.channel.uploadLog(this.diskRef(d), this.state.epoch, seq, file, this.state.protectionId);
          sent += up.sent;
          sha256 = up.sha256;
        }
        const epoch = this.state.epoch;
        shipped = [...shipped.filter((l) => l.epoch === epoch && l.sequence !== seq), { epoch, sequence: seq, sha256 }].slice(-SHIPPED_LOG_MEMORY);
      }
      disks.push({ ...d, shipped, outbox: [] });
    }
    const done = this.state.disks.map((d) => d.outbox.map((s) => this.store.outboxPath(d.diskId, s))).flat();
    await this.commit({ ...this.state, disks });
    for (const f of done) await rm(f, { force: true });
    return sent;
  }

  /** The replica's state when it is of this agent's epoch and protection (undefined otherwise: nothing of ours applied there). */
  private async replicaStateOf(d: AgentDiskState) {
    const s = await this.channel.replicaState(this.diskRef(d));
    if (!s || s.epoch !== BigInt(this.state.epoch)) return undefined;
    return s.protectionId && this.state.protectionId && s.protectionId !== this.state.protectionId ? undefined : s;
  }

  /**
   * Ships the next seed log of every disk not yet seeded: up to `seedLogBytes` of its stored,
   * non-zero data from where the last one stopped. Returns false when every disk is seeded.
   */
  async seedStep(seedLogBytes = DEFAULT_SEED_LOG_BYTES, onProgress?: CycleOptions['onProgress']): Promise<{ more: boolean; bytesUploaded: number }> {
    return this.reloadOnFailure(() => this.seedStepOnce(seedLogBytes, onProgress));
  }

  private async seedStepOnce(seedLogBytes: number, onProgress?: CycleOptions['onProgress']): Promise<{ more: boolean; bytesUploaded: number }> {
    let bytesUploaded = await this.flushOutbox();
    const pending = this.state.disks.filter((d) => d.seedOffset !== null);
    if (pending.length === 0) return { more: false, bytesUploaded };
    const cutTimeMs = this.nextCutTime();
    const next: AgentDiskState[] = [];
    for (const d of this.state.disks) {
      if (d.seedOffset === null) {
        next.push(d);
        continue;
      }
      // The stamp predates every read of the seed, so any write during seeding opens the gate.
      const stamp = d.stamp ?? (d.seedOffset === 0 ? await takeFileStamp(d.path) : undefined);
      let source = this.seeds.get(d.diskId);
      if (!source) {
        const image = await this.openImage(d);
        source = new SeedSource(image, d.seedOffset, (at) => onProgress?.(d.diskId, at, image.virtualSize));
        this.seeds.set(d.diskId, source);
      }
      const seed = source;
      await this.buildLog(d, seed.next(seedLogBytes), cutTimeMs, { consistency: 'crash' }, () => !seed.done);
      next.push({ ...d, stamp, seedOffset: source.done ? null : source.reached, nextSequence: d.nextSequence + 1, generation: d.generation + 1, outbox: [d.nextSequence] });
      if (source.done) {
        await source.close();
        this.seeds.delete(d.diskId);
      }
    }
    await this.commitCut(next, cutTimeMs);
    bytesUploaded += await this.flushOutbox();
    return { more: !this.seeded, bytesUploaded };
  }

  /** One replication cycle: one log per disk, all with the same cut time. */
  async cycle(options: CycleOptions = {}): Promise<CycleReport> {
    return this.reloadOnFailure(() => this.cycleOnce(options));
  }

  /** Refuses to ship after a failover, and before the initial seed is done. */
  private assertReplicating(): void {
    const stopped = this.state.stoppedForFailover;
    if (stopped?.committed) throw replicationEndedError(this.state.item, stopped.jobId);
    if (stopped) {
      throw new ServiceError('FailedOver', `replication of this item stopped for failover job ${stopped.jobId} at ${stopped.at}${stopped.finalLogShipped ? ' after its final log' : ''}; protect it again (re-protect) to replicate anew`);
    }
    if (!this.seeded) throw new ServiceError('SeedIncomplete', "initial replication has not finished: run 'asr agent protect' again to resume it");
  }

  private async cycleOnce(options: CycleOptions): Promise<CycleReport> {
    this.assertReplicating();
    let bytesUploaded = await this.flushOutbox();
    const cutTimeMs = this.nextCutTime();
    const reports: DiskCycleReport[] = [];
    const next: AgentDiskState[] = [];
    const began: BegunTracking[] = [];
    try {
      for (const d of this.state.disks) {
        const table = this.tables.get(d.diskId)!;
        const { stamp, skippedByStamp, image, found, tracking } = await this.scanForChanges(d, table, options, began);
        try {
          const parts = splitBlocks(found.blocks, Math.max(1, Math.floor((options.maxLogPayloadBytes ?? MAX_LOG_PAYLOAD_BYTES) / DATA_UNIT_SIZE)));
          const total = { records: 0, payloadBytes: 0, logBytes: 0 } as BuiltDiskLog;
          let sequence = d.nextSequence;
          for (const part of parts) {
            const built = await this.buildLog({ ...d, nextSequence: sequence }, changedRuns(image, part), cutTimeMs, options);
            total.records += built.records;
            total.payloadBytes += built.payloadBytes;
            total.logBytes += built.logBytes;
            total.diskDigest = built.diskDigest;
            sequence++;
          }
          const outbox = Array.from({ length: parts.length }, (_, i) => d.nextSequence + i);
          reports.push({ diskId: d.diskId, sequence: sequence - 1, changedBlocks: found.blocks.length, bytesRead: found.bytesRead, skippedByStamp, ...total, ...(tracking ? { tracking } : {}) });
          next.push({ ...d, stamp, nextSequence: sequence, generation: d.generation + 1, outbox });
        } finally {
          if (!tracking) await image.close(); // a tracker's image closes with its end()
        }
      }
      await this.commitCut(next, cutTimeMs);
    } catch (err) {
      // Not committed: the trackers keep these changes and report them again next cycle.
      for (const b of began) await b.tracker.end(b.changes, false).catch(() => undefined);
      throw err;
    }
    // The logs are in the committed outbox: from here on they carry these changes. An end that
    // fails leaves the tracker's record as it was; the next cycle reports those ranges again.
    for (const b of began) await b.tracker.end(b.changes, true).catch(() => undefined);
    bytesUploaded += await this.flushOutbox();
    return { cutTimeMs, disks: reports, bytesUploaded, targets: this.mergeTargets() };
  }

  /**
   * Reads every disk's replica state (its blob metadata): records how far the service has
   * acknowledged this epoch, and returns the disks whose replica went back below that (or to an
   * older epoch, or vanished): lost acknowledged writes, which only a repair fixes.
   */
  async checkReplicas(): Promise<{ lost: LostWrites[]; newerEpoch?: number }> {
    const lost: LostWrites[] = [];
    let newerEpoch: number | undefined;
    let changed = false;
    const disks = [];
    for (const d of this.state.disks) {
      const p = await replicaProgress(this.channel, this.diskRef(d));
      const acked = d.ackedSequence ?? 0;
      if (p && p.epoch > this.state.epoch) newerEpoch = Math.max(newerEpoch ?? 0, p.epoch);
      if ((!p && acked > 0) || (p && p.epoch < this.state.epoch) || (p && p.epoch === this.state.epoch && p.sequence < acked)) {
        lost.push({ diskId: d.diskId, acked, replica: p && { epoch: p.epoch, sequence: p.sequence } });
      } else if (p && p.epoch === this.state.epoch && p.sequence > acked) {
        disks.push({ ...d, ackedSequence: Math.min(p.sequence, d.nextSequence - 1) });
        changed = true;
        continue;
      }
      disks.push(d);
    }
    if (changed) await this.commit({ ...this.state, disks });
    return { lost, newerEpoch };
  }

  /** Records that the service acknowledged `targets` (a merge the agent waited for). */
  async recordAcknowledged(targets: MergeTarget[]): Promise<void> {
    const disks = this.state.disks.map((d) => {
      const t = targets.find((x) => x.disk.disk === d.diskId && x.epoch === this.state.epoch);
      return t && t.sequence > (d.ackedSequence ?? 0) ? { ...d, ackedSequence: t.sequence } : d;
    });
    if (disks.some((d, i) => d !== this.state.disks[i])) await this.commit({ ...this.state, disks });
  }

  /**
   * The agent's half of a repair (docs/replication.md, "Lost writes and repair"): ships the new
   * epoch `request.epoch` from sequence 1 with exactly the blocks the replica needs: those whose
   * digest (from the service) differs from the leaf the agent recorded when it shipped them, and
   * those the source changed since the last cut. Logs are cut at most `maxLogPayloadBytes`; all
   * but the last carry the partial-seed flag, so no recovery point is cut from a half-repaired
   * replica. Logs of the old epoch still in the outbox are abandoned: the repair carries what
   * they did. One commit, like a cycle: a crash before it leaves the old epoch and the request
   * is served again; after it, the outbox is uploaded by the next command.
   */
  async resync(request: RepairRequest, digestsOf: (diskId: string) => Promise<Buffer>, options: CycleOptions = {}): Promise<CycleReport> {
    return this.reloadOnFailure(() => this.resyncOnce(request, digestsOf, options));
  }

  private async resyncOnce(request: RepairRequest, digestsOf: (diskId: string) => Promise<Buffer>, options: CycleOptions): Promise<CycleReport> {
    // Reprotect after a failback resumes replication that a committed failover stopped (docs/failback.md).
    if (request.reprotect && this.state.stoppedForFailover && request.epoch > this.state.epoch) {
      const { stoppedForFailover: _ended, ...resumed } = this.state;
      this.state = resumed;
    }
    this.assertReplicating();
    if (request.epoch <= this.state.epoch) {
      throw new ServiceError('ResyncEpochNotNewer', `a repair to epoch ${request.epoch} is not newer than the agent's epoch ${this.state.epoch}`);
    }
    if (this.state.disks.some((d) => d.outbox.length > 0)) {
      const dropped = this.state.disks.flatMap((d) => d.outbox.map((seq) => this.store.outboxPath(d.diskId, seq)));
      await this.commit({ ...this.state, disks: this.state.disks.map((d) => ({ ...d, outbox: [] })) });
      for (const f of dropped) await rm(f, { force: true });
    }
    const cutTimeMs = this.nextCutTime();
    // Logs are built in the new epoch; the commit makes it the agent's (a failure reloads the old one).
    this.state = { ...this.state, epoch: request.epoch, epochSince: request.requestedAt };
    const reports: DiskCycleReport[] = [];
    const next: AgentDiskState[] = [];
    for (const d of this.state.disks) {
      const table = this.tables.get(d.diskId)!;
      const digests = await digestsOf(d.diskId);
      if (digests.length !== table.blockCount * REPAIR_DIGEST_BYTES) {
        throw new ServiceError('RepairRequestInvalid', `the repair's digests of disk ${d.diskId} cover ${digests.length / REPAIR_DIGEST_BYTES} blocks, the disk has ${table.blockCount}`);
      }
      const { stamp, skippedByStamp, image, found } = await this.scanForChanges(d, table, options);
      try {
        const diverged: number[] = [];
        for (let b = 0, at = 0; b < table.blockCount; b++, at += REPAIR_DIGEST_BYTES) {
          if (table.leaves.compare(digests, at, at + REPAIR_DIGEST_BYTES, at, at + REPAIR_DIGEST_BYTES) !== 0) {
            diverged.push(b);
            // The table now describes the replica as it is, so each log's digest is the replica's after it.
            table.setLeaf(b, digests.subarray(at, at + REPAIR_DIGEST_BYTES));
          }
        }
        const blocks = [...new Set([...found.blocks, ...diverged])].sort((a, b) => a - b);
        const parts = splitBlocks(blocks, Math.max(1, Math.floor((options.maxLogPayloadBytes ?? MAX_LOG_PAYLOAD_BYTES) / DATA_UNIT_SIZE)));
        const total = { records: 0, payloadBytes: 0, logBytes: 0 } as BuiltDiskLog;
        for (let i = 0; i < parts.length; i++) {
          const built = await this.buildLog({ ...d, nextSequence: i + 1 }, changedRuns(image, parts[i]), cutTimeMs, { ...options, consistency: 'crash' }, () => i < parts.length - 1);
          total.records += built.records;
          total.payloadBytes += built.payloadBytes;
          total.logBytes += built.logBytes;
          total.diskDigest = built.diskDigest;
        }
        reports.push({ diskId: d.diskId, sequence: parts.length, changedBlocks: blocks.length, divergedBlocks: diverged.length, bytesRead: found.bytesRead, skippedByStamp, ...total });
        next.push({ ...d, stamp, nextSequence: parts.length + 1, generation: d.generation + 1, outbox: parts.map((_, i) => i + 1), ackedSequence: 0, seedOffset: null });
      } finally {
        await image.close();
      }
    }
    await this.commitCut(next, cutTimeMs);
    const bytesUploaded = await this.flushOutbox();
    return { cutTimeMs, disks: reports, bytesUploaded, targets: this.mergeTargets(), repairEpoch: request.epoch };
  }

  /** Records that a failover's shutdown request was served, so no later cycle ships into the failed-over epoch. */
  async markStoppedForFailover(jobId: string, finalLogShipped: boolean, committed = false): Promise<void> {
    await this.commit({ ...this.state, stoppedForFailover: { jobId, at: new Date().toISOString(), finalLogShipped, ...(committed ? { committed } : {}) } });
  }

  /**
   * Stops for good when the service says the item's failover was committed (its request blob,
   * the one `agent run` already polls): records it and throws `ReplicationEnded`, before anything
   * is cut or shipped. Returns otherwise.
   */
  async stopIfFailoverCommitted(request: ShutdownRequest | undefined): Promise<void> {
    if (request?.reason !== 'FailoverCommitted') return;
    if (!this.state.stoppedForFailover?.committed) await this.markStoppedForFailover(request.jobId, false, true);
    throw replicationEndedError(this.state.item, request.jobId);
  }

  /** Runs `step`; if it fails, forgets what it changed in memory, so the next try starts from the committed cut. */
  private async reloadOnFailure<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.reload();
      throw err;
    }
  }

  /** Drops in-memory tables and state and reloads the committed ones (after a failed cycle). */
  async reload(): Promise<void> {
    await this.closeSeeds();
    this.state = await this.store.require();
    for (const d of this.state.disks) this.tables.set(d.diskId, await this.store.loadTable(d));
  }

  /** Closes the images of seeds in progress (the next seed step reopens them at the checkpoint). */
  async closeSeeds(): Promise<void> {
    for (const s of this.seeds.values()) await s.close().catch(() => undefined);
    this.seeds.clear();
  }

  /**
   * A failback to an alternate location (CreateVmIfNotFound) wrote a new file for these disks:
   * the item's disks are those files from now on (a reprotect reads them). The stamp goes, so the
   * next cut reads the new file whole against the block table; the table stays (it says what the
   * replica holds). Idempotent.
   */
  async relocateDisks(moves: { diskId: string; path: string; format: string }[]): Promise<void> {
    const disks = this.state.disks.map((d) => {
      const m = moves.find((x) => x.diskId === d.diskId);
      if (!m || (d.path === m.path && d.format === m.format)) return d;
      const { stamp: _old, ...rest } = d;
      return { ...rest, path: m.path, format: m.format };
    });
    if (disks.some((d, i) => d !== this.state.disks[i])) await this.commit({ ...this.state, disks });
  }

  private nextCutTime(): number {
    return Math.max(Date.now(), this.state.lastCutTimeMs + 1);
  }

  /**
   * The blocks of `d` that changed since its last cut (none read when the file stamp says it is
   * untouched), with the image left open for the caller to read them from and close.
   */
  private async scanForChanges(d: AgentDiskState, table: DiskBlockTable, options: CycleOptions, began?: BegunTracking[]) {
    if (d.tracking && began) return this.trackedChanges(d, table, options, began);
    const stamp = await takeFileStamp(d.path);
    const skippedByStamp = unchangedSince(d.stamp, stamp);
    const image = await this.openImage(d);
    try {
      const found = skippedByStamp
        ? { blocks: [] as number[], bytesRead: 0 }
        : await findChangedBlocks(image, table, (at) => options.onProgress?.(d.diskId, at, image.virtualSize));
      return { stamp, skippedByStamp, image, found, tracking: undefined };
    } catch (err) {
      await image.close();
      throw err;
    }
  }

  /**
   * A tracked disk's changes: the tracker's cycle begins (recorded in `began`, so the caller
   * ends it), and only its ranges are compared and read, through its image (qemu's view of the
   * disk while the guest runs); every block when it does not know or verifies. No file stamp:
   * the tracker, not the file's times, vouches for what did not change (and a disk whose
   * tracking is turned off is read whole once).
   */
  private async trackedChanges(d: AgentDiskState, table: DiskBlockTable, options: CycleOptions, began: BegunTracking[]) {
    const tracker = new QemuDirtyBitmapTracker(d.tracking!);
    const changes = await tracker.begin();
    began.push({ tracker, changes });
    const image = changes.image;
    if (image.virtualSize !== d.virtualSize) {
      throw new ServiceError('DiskResized', `qemu's node '${d.tracking!.node}' for ${d.path} is ${image.virtualSize} bytes, the disk was protected at ${d.virtualSize}; check the node name, or disable and re-enable protection to replicate a resized disk`);
    }
    const found = await detectChanges(changes, table, (at) => options.onProgress?.(d.diskId, at, image.virtualSize));
    const tracking = {
      kind: tracker.kind, fullScan: found.fullScan,
      ...(changes.fullScanReason ? { reason: changes.fullScanReason } : changes.verify ? { reason: 'scheduled verifying scan' } : {}),
      ...(found.missedBlocks ? { missedBlocks: found.missedBlocks.length } : {}),
    };
    return { stamp: undefined, skippedByStamp: false, image, found, tracking };
  }

  private async openImage(d: AgentDiskState): Promise<DiskImage> {
    const image = await openSourceDisk(d.path);
    if (image.virtualSize !== d.virtualSize) {
      await image.close();
      throw new ServiceError('DiskResized', `${d.path} is now ${image.virtualSize} bytes, it was protected at ${d.virtualSize}; disable and re-enable protection to replicate a resized disk`);
    }
    return image;
  }

  /** `partialSeed`: for a seed log, whether more of the seed follows it (the merge cuts no recovery point there). */
  private buildLog(d: AgentDiskState, runs: AsyncIterable<import('./DataRun').DataRun>, cutTimeMs: number, options: CycleOptions, partialSeed?: () => boolean): Promise<BuiltDiskLog> {
    return buildDiskLog(runs, this.tables.get(d.diskId)!, {
      vaultId: this.state.vaultSegment,
      protectedItemId: this.state.item,
      diskId: d.diskId,
      epoch: BigInt(this.state.epoch),
      sequence: BigInt(d.nextSequence),
      virtualSize: d.virtualSize,
      cutTimeMs,
      consistency: options.consistency ?? 'crash',
      finalPlannedFailover: options.finalPlannedFailover ?? false,
      partialSeed,
    }, { spool: this.store.spoolPath(d.diskId), out: this.store.outboxPath(d.diskId, d.nextSequence) }, this.key);
  }

  private async commitCut(disks: AgentDiskState[], cutTimeMs: number): Promise<void> {
    for (const d of disks) {
      if (d.generation !== this.state.disks.find((x) => x.diskId === d.diskId)!.generation) {
        await this.store.saveTable(d.diskId, d.generation, this.tables.get(d.diskId)!);
      }
    }
    await this.commit({ ...this.state, lastCutTimeMs: cutTimeMs, disks });
  }

  private async commit(state: AgentState): Promise<void> {
    await this.store.commit(state);
    this.state = state;
  }
}
