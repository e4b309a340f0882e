import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import { encryptDataUnits } from '../../../shared/crypto';
import { buildHrl, HrlWrite } from '../../../shared/hrl';
import { digestOfBuffer } from '../../../shared/integrity';
import { DiskRef, pendingLogBlob, REPLICA_CONTAINERS, replicaBlob } from '../../../shared/replication';

const UNIT = 4096;

export interface CutLogOptions {
  cutTimeMs: number;
  consistency?: 'crash' | 'application';
  /** Ship every unit, changed or not (an initial full copy). */
  full?: boolean;
  /** Flag the log a partial seed (more of the seed follows). */
  partialSeed?: boolean;
}

/** A log as the agent would upload it, plus the source image it brings the replica to. */
export interface CutLog {
  sequence: bigint;
  bytes: Buffer;
  cutTimeMs: number;
  /** The source image at the cut (a copy). */
  image: Buffer;
}

/**
 * A source disk: a raw image changed with qemu-io, from which logs of the changes since the
 * previous cut are made with the real HRL writer (what the agent does, minus change tracking:
 * here the changed units are found by comparing with the image at the previous cut).
 */
export class SourceDisk {
  readonly path: string;
  private shipped: Buffer;
  private nextSequence = 1n;

  constructor(
    dir: string,
    readonly disk: DiskRef,
    readonly virtualSize: number,
    private readonly options: { epoch?: bigint; key?: Buffer; maxRecordBytes?: number } = {},
  ) {
    this.path = join(dir, `${disk.item}-${disk.disk}.raw`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', this.path, String(virtualSize)]);
    this.shipped = Buffer.alloc(virtualSize);
  }

  /** Runs qemu-io commands (`write -P 0xab 0 64k`, ...) against the source image. */
  io(...commands: string[]): void {
    const args = ['-f', 'raw'];
    for (const c of commands) args.push('-c', c);
    const r = spawnSync('qemu-io', [...args, this.path], { encoding: 'utf8' });
    if (r.status !== 0 || /error|failed/i.test(r.stdout + r.stderr)) throw new Error(`qemu-io failed: ${r.stdout}${r.stderr}`);
  }

  image(): Buffer {
    return readFileSync(this.path);
  }

  /** The writes a log must carry: changed units (or all), coalesced up to maxRecordBytes. */
  private changes(current: Buffer, full: boolean): HrlWrite[] {
    const max = this.options.maxRecordBytes ?? 1024 * 1024;
    const writes: HrlWrite[] = [];
    let run: { offset: number; end: number } | undefined;
    const flush = () => {
      if (run) writes.push({ offset: run.offset, payload: Buffer.from(current.subarray(run.offset, run.end)) });
      run = undefined;
    };
    for (let at = 0; at < current.length; at += UNIT) {
      const end = Math.min(at + UNIT, current.length);
      const changed = full || current.subarray(at, end).compare(this.shipped.subarray(at, end)) !== 0;
      if (!changed) { flush(); continue; }
      if (run && run.end === at && run.end - run.offset + UNIT <= max) run.end = at + UNIT;
      else { flush(); run = { offset: at, end: at + UNIT }; }
    }
    flush();
    return writes;
  }

  /** Cuts the next log: what changed since the previous cut. */
  cutLog(o: CutLogOptions): CutLog {
    const current = this.image();
    const writes = this.changes(current, o.full ?? false);
    const key = this.options.key;
    // The digest covers what the replica stores: plaintext, or ciphertext when encrypted (units
    // never shipped stay zero there).
    const stored = key ? this.storedCiphertext(current, writes) : current;
    const sequence = this.nextSequence++;
    const bytes = buildHrl({
      vaultId: this.disk.vault, protectedItemId: this.disk.item, diskId: this.disk.disk,
      sequence, epoch: this.options.epoch ?? 1n, virtualSize: this.virtualSize, cutTimeMs: o.cutTimeMs,
      consistency: o.consistency ?? 'crash', finalPlannedFailover: false, partialSeed: o.partialSeed, diskDigest: digestOfBuffer(stored),
    }, writes, { key });
    this.shipped = Buffer.from(current);
    return { sequence, bytes, cutTimeMs: o.cutTimeMs, image: Buffer.from(current) };
  }

  private ciphertextImage?: Buffer;
  private storedCiphertext(current: Buffer, writes: HrlWrite[]): Buffer {
    this.ciphertextImage ??= Buffer.alloc(this.virtualSize);
    for (const w of writes) encryptDataUnits(this.options.key!, w.payload, w.offset).copy(this.ciphertextImage, w.offset);
    void current;
    return Buffer.from(this.ciphertextImage);
  }
}

/** Uploads a log as the agent would; `protectionId` stamps it (items enabled through the API have one). */
export async function uploadLog(blobs: BlobServiceClient, disk: DiskRef, sequence: bigint, bytes: Buffer, protectionId?: string): Promise<void> {
  await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(disk, sequence))
    .uploadData(bytes, protectionId ? { metadata: { protectionid: protectionId } } : {});
}

/** Downloads the replica page blob (or one of its snapshots) to a local .vhd file. */
export async function downloadReplica(blobs: BlobServiceClient, disk: DiskRef, path: string, snapshot?: string): Promise<Buffer> {
  let client = blobs.getContainerClient(REPLICA_CONTAINERS.replicas).getPageBlobClient(replicaBlob(disk));
  if (snapshot) client = client.withSnapshot(snapshot);
  const buf = await client.downloadToBuffer();
  writeFileSync(path, buf);
  return buf;
}

/** qemu-img's verdict: true when the raw source and the VHD hold the same disk content. */
export function qemuSame(raw: string, vhd: string): { same: boolean; output: string } {
  const r = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', raw, vhd], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`qemu-img compare failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { same: r.status === 0, output: r.stdout + r.stderr };
}

export function writeImage(path: string, image: Buffer): string {
  writeFileSync(path, image);
  return path;
}
