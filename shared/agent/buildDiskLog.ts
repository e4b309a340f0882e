import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { DATA_UNIT_SIZE, encryptDataUnits } from '../crypto';
import { HrlConsistency, HrlWriter } from '../hrl';
import { FINGERPRINT_SIZE, writeBlockFingerprint } from './blockFingerprint';
import { DataRun, MAX_RECORD_BYTES } from './DataRun';
import { DiskBlockTable } from './DiskBlockTable';

export interface DiskLogIdentity {
  vaultId: string;
  protectedItemId: string;
  diskId: string;
  epoch: bigint;
  sequence: bigint;
  virtualSize: number;
  cutTimeMs: number;
  consistency: HrlConsistency;
  finalPlannedFailover: boolean;
  /**
   * Asked once every run is consumed (a seed knows only then whether it has finished): true
   * flags the log a partial seed, after which the replica is not yet a whole disk.
   */
  partialSeed?: () => boolean;
}

export interface BuiltDiskLog {
  records: number;
  payloadBytes: number;
  logBytes: number;
  diskDigest: Buffer;
}

/**
 * Builds one replica log file from `runs` (ascending, not overlapping) and records in `table`
 * what the replica will store once it is merged. The runs are spooled first because the
 * header carries the disk digest, which is known only after every shipped block is hashed;
 * records are then cut from the spool, adjacent runs joined up to 4 MiB. Leaves are hashed
 * over what is stored (ciphertext when `key` is given). The table is changed in place: a
 * caller that does not commit must reload it.
 */
export async function buildDiskLog(
  runs: AsyncIterable<DataRun>,
  table: DiskBlockTable,
  id: DiskLogIdentity,
  files: { spool: string; out: string },
  key?: Buffer,
): Promise<BuiltDiskLog> {
  try {
    return await spoolAndWrite(runs, table, id, files, key);
  } finally {
    // The spool holds plaintext of the shipped blocks (the writer encrypts records, not the
    // spool): it never outlives the log built from it, even when building fails.
    await rm(files.spool, { force: true });
  }
}

async function spoolAndWrite(
  runs: AsyncIterable<DataRun>,
  table: DiskBlockTable,
  id: DiskLogIdentity,
  files: { spool: string; out: string },
  key?: Buffer,
): Promise<BuiltDiskLog> {
  const spans: { offset: number; length: number }[] = [];
  const fp = Buffer.alloc(FINGERPRINT_SIZE);
  const spool = await open(files.spool, 'w', 0o600);
  try {
    let spooled = 0;
    for await (const run of runs) {
      const stored = key ? encryptDataUnits(key, run.data, run.offset) : run.data;
      for (let i = 0; i < run.data.length; i += DATA_UNIT_SIZE) {
        writeBlockFingerprint(run.data.subarray(i, i + DATA_UNIT_SIZE), fp, 0);
        table.record((run.offset + i) / DATA_UNIT_SIZE, fp, 0, createHash('sha256').update(stored.subarray(i, i + DATA_UNIT_SIZE)).digest());
      }
      await spool.write(run.data, 0, run.data.length, spooled);
      spooled += run.data.length;
      const last = spans[spans.length - 1];
      if (last && last.offset + last.length === run.offset && last.length + run.data.length <= MAX_RECORD_BYTES) last.length += run.data.length;
      else spans.push({ offset: run.offset, length: run.data.length });
    }
  } finally {
    await spool.close();
  }

  const diskDigest = table.root();
  const { partialSeed, ...header } = id;
  const writer = new HrlWriter({ ...header, partialSeed: partialSeed?.() ?? false, diskDigest }, { key });
  const source = await open(files.spool, 'r');
  const out = await open(files.out, 'w', 0o600);
  let logBytes = 0;
  let payloadBytes = 0;
  const emit = async (bufs: Buffer[]) => {
    for (const b of bufs) {
      await out.write(b, 0, b.length, logBytes);
      logBytes += b.length;
    }
  };
  try {
    let at = 0;
    for (const s of spans) {
      const payload = Buffer.alloc(s.length);
      await source.read(payload, 0, s.length, at);
      at += s.length;
      payloadBytes += s.length;
      await emit(writer.addRecord(s.offset, payload));
    }
    await emit(writer.finish());
    await out.sync();
  } finally {
    await source.close();
    await out.close();
  }
  return { records: spans.length, payloadBytes, logBytes, diskDigest };
}
