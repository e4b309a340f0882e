import { rm } from 'node:fs/promises';
import { DiskImage } from '../disk';
import { openSourceDisk } from './BlockDeviceImage';
import { ServiceError } from '../errors';
import { HrlConsistency } from '../hrl';
import { DiskRef } from '../replication';
import { AgentDiskState, AgentState } from './AgentState';
import { AgentStateStore } from './AgentStateStore';
import { buildDiskLog, BuiltDiskLog } from './buildDiskLog';
import { changedRuns } from './DataRun';
import { DATA_UNIT_SIZE } from '../crypto';
import { DiskBlockTable } from './DiskBlockTable';
import { takeFileStamp, unchangedSince } from './fileStamp';
import { findChangedBlocks } from './findChangedBlocks';
import { readEncryptionKey } from './readEncryptionKey';
import { SeedSource } from './SeedSource';
import type { ReplicaAccess, ReplicaChannel } from './ReplicaChannel';
import { channelOf } from './storageChannel';
import type { ShutdownRequest } from '../recovery/SourceShutdownRequests';
import { MergeTarget } from './waitForMerge';

/** What the agent says when the item's failover was committed: why it stops, and what is next. */
export function replicationEndedError(item: string, jobId: string): ServiceError {
  return new ServiceError('ReplicationEnded',
    `replication of '${item}' has ended: its failover was committed (job ${jobId}) and the machine now runs in the recovery site; ` +
    'the service takes no more logs from this source, so nothing was shipped. Stop this agent; replicating back (reprotect) is not available yet.');
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
}

export interface CycleReport {
  cutTimeMs: number;
  disks: DiskCycleReport[];
  bytesUploaded: number;
  targets: MergeTarget[];
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

  diskRef(d: AgentDiskState): DiskRef {
    return { vault: this.state.vaultSegment, item: this.state.item, disk: d.diskId };
  }

  get seeded(): boolean {
    return this.state.disks.every((d) => d.seedOffset === null);
  }

  /** Where each disk stands once its logs so far are merged. */
  mergeTargets(): MergeTarget[] {
    return this.state.disks.map((d) => ({ disk: this.diskRef(d), epoch: this.state.epoch, sequence: d.nextSequence - 1 }));
  }

  /** Uploads logs committed but not yet known uploaded (after a crash or a network failure). Returns bytes sent. */
  async flushOutbox(): Promise<number> {
    let sent = 0;
    for (const d of this.state.disks) {
      for (const seq of d.outbox) sent += await this.channel.uploadLog(this.diskRef(d), this.state.epoch, seq, this.store.outboxPath(d.diskId, seq));
    }
    if (this.state.disks.some((d) => d.outbox.length > 0)) {
      const done = this.state.disks.map((d) => d.outbox.map((s) => this.store.outboxPath(d.diskId, s))).flat();
      await this.commit({ ...this.state, disks: this.state.disks.map((d) => ({ ...d, outbox: [] })) });
      for (const f of done) await rm(f, { force: true });
    }
    return sent;
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

  private async cycleOnce(options: CycleOptions): Promise<CycleReport> {
    const stopped = this.state.stoppedForFailover;
    if (stopped?.committed) throw replicationEndedError(this.state.item, stopped.jobId);
    if (stopped) {
      throw new ServiceError('FailedOver', `replication of this item stopped for failover job ${stopped.jobId} at ${stopped.at}${stopped.finalLogShipped ? ' after its final log' : ''}; protect it again (re-protect) to replicate anew`);
    }
    if (!this.seeded) throw new ServiceError('SeedIncomplete', "initial replication has not finished: run 'asr agent protect' again to resume it");
    let bytesUploaded = await this.flushOutbox();
    const cutTimeMs = this.nextCutTime();
    const reports: DiskCycleReport[] = [];
    const next: AgentDiskState[] = [];
    for (const d of this.state.disks) {
      const stamp = await takeFileStamp(d.path);
      const table = this.tables.get(d.diskId)!;
      const skippedByStamp = unchangedSince(d.stamp, stamp);
      const image = await this.openImage(d);
      try {
        const found = skippedByStamp
          ? { blocks: [], bytesRead: 0 }
          : await findChangedBlocks(image, table, (at) => options.onProgress?.(d.diskId, at, image.virtualSize));
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
        reports.push({ diskId: d.diskId, sequence: sequence - 1, changedBlocks: found.blocks.length, bytesRead: found.bytesRead, skippedByStamp, ...total });
        next.push({ ...d, stamp, nextSequence: sequence, generation: d.generation + 1, outbox });
      } finally {
        await image.close();
      }
    }
    await this.commitCut(next, cutTimeMs);
    bytesUploaded += await this.flushOutbox();
    return { cutTimeMs, disks: reports, bytesUploaded, targets: this.mergeTargets() };
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

  private nextCutTime(): number {
    return Math.max(Date.now(), this.state.lastCutTimeMs + 1);
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
