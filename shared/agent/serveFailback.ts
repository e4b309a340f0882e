import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  alternateDiskFileName, FAILBACK_DIGEST_BYTES, failbackBlockCount, type FailbackApplied, FailbackAppliedSchema, type FailbackRequest,
} from '../contracts/FailbackTransfers';
import { keyFingerprint } from '../crypto';
import { ServiceError } from '../errors';
import { HrlRecordDecryptor, parseHrl } from '../hrl';
import { FailbackDigester, MerkleTree } from '../integrity';
import { openSourceDisk } from './BlockDeviceImage';
import { readBlocks } from './DataRun';
import { checkAlternateDirectory } from './alternateDirectory';
import { FailbackDiskTarget, sourceDiskDigests } from './FailbackDiskTarget';
import { FailbackJournal, type FailbackJournalEntry } from './failbackJournal';
import type { ReplicaAccess } from './ReplicaChannel';
import type { ReplicationAgent } from './ReplicationAgent';
import { channelOf } from './storageChannel';

export interface FailbackServeOptions {
  /** Test hook: called after each record is written to a disk, before the disk is flushed (a test kills the process there). */
  onRecordApplied?(diskId: string, record: number): void;
  /** Told what the agent does (digests reported, round applied, resumed after a crash). */
  onProgress?(message: string): void;
}

/** What one call did. */
export type FailbackServeResult =
  | { state: 'none' }
  | { state: 'waiting'; jobId: string; round: number; digestsReported: boolean }
  | { state: 'applied'; jobId: string; round: number; applied: FailbackApplied; resumed: boolean };

/**
 * The agent's half of a failback round (docs/failback.md), one step per call, resumable:
 *
 * 1. no ready.json yet: report every disk's block digests (once per round; also kept in the
 *    journal) and return `waiting`;
 * 2. ready: download each disk's delta log, check it whole (checksums, identity, key), journal
 *    it (fsynced), then write `journal.json`, the commit point;
 * 3. apply each log to its disk (in place, or a new file for CreateVmIfNotFound), flush, verify
 *    that the disk's digests now give the recovered disk's root, record `applied.json` locally,
 *    then report it to the service.
 *
 * A crash after the commit point re-applies the journaled logs (idempotent: the same bytes at
 * the same offsets), before anything else; a crash before it starts the step again. A round
 * already applied is only reported again.
 */
export async function serveFailback(agent: ReplicationAgent, access: ReplicaAccess, options: FailbackServeOptions = {}): Promise<FailbackServeResult> {
  const channel = channelOf(access);
  const state = agent.current;
  const where = { vault: state.vaultSegment, item: state.item };
  const request = await channel.failbackRequest(where);
  if (!request) return { state: 'none' };
  const journal = new FailbackJournal(agent.store.dir, request.jobId, request.round);
  const key = checkKey(request, agent.encryptionKey);

  const receipt = await journal.read('applied.json');
  if (receipt) {
    const applied = FailbackAppliedSchema.parse(JSON.parse(receipt.toString('utf8')));
    try {
      await channel.reportFailbackApplied(where, applied);
    } catch (err) {
      // Between reading the request and reporting again, the service took the first report and
      // moved on to the next round (or ended the job): nothing is left to report.
      if ((err as { code?: string }).code !== 'FailbackRoundNotRequested') throw err;
    }
    return { state: 'applied', jobId: request.jobId, round: request.round, applied, resumed: false };
  }
  let entry = await journal.entry();
  const resumed = entry !== undefined;
  if (!entry) {
    const ready = await channel.failbackReady(where, request.jobId, request.round);
    const targets = await targetsOf(agent, request);
    if (!ready) {
      let reported = false;
      if (!(await journal.read('digests.reported'))) {
        const digester = new FailbackDigester(key);
        for (const t of targets) {
          const present = !t.create || (await fileExists(t.path));
          if (!t.create) await FailbackDiskTarget.assertWritable(t.path, t.virtualSize);
          const digests = present ? await sourceDiskDigests(t.path, t.virtualSize, digester) : zeroDigests(t.virtualSize, digester);
          await journal.write(`${t.diskId}.digests`, digests);
          await channel.uploadFailbackDigests(where, request.jobId, request.round, t.diskId, { virtualSize: t.virtualSize, absent: !present, digests: present ? digests : Buffer.alloc(0) });
        }
        await journal.write('digests.reported', new Date().toISOString());
        reported = true;
        options.onProgress?.(`failback round ${request.round} of job ${request.jobId}: digests of ${targets.length} disk(s) reported`);
      }
      return { state: 'waiting', jobId: request.jobId, round: request.round, digestsReported: reported };
    }
    for (const t of targets) {
      const log = await channel.failbackLog(where, request.jobId, request.round, t.diskId);
      parseDelta(log, agent, request, t.diskId, t.virtualSize, key);
      await journal.write(`${t.diskId}.hrl`, log);
    }
    entry = { jobId: request.jobId, round: request.round, ready, disks: targets };
    await journal.write('journal.json', JSON.stringify(entry));
  }
  const applied = await applyJournal(agent, journal, entry, request, key, options);
  // A new disk (CreateVmIfNotFound) is whole and verified: the item's disk lives there from now
  // on, so a reprotect reads it. Before the receipt, so a crash in between moves it on the rerun.
  const made = entry.disks.filter((d) => d.create);
  if (made.length > 0) await agent.relocateDisks(made.map((d) => ({ diskId: d.diskId, path: d.path, format: 'raw' })));
  await journal.write('applied.json', JSON.stringify(applied));
  await journal.prune(entry.disks.map((d) => d.diskId));
  await channel.reportFailbackApplied(where, applied);
  options.onProgress?.(`failback round ${request.round} of job ${request.jobId}: ${applied.bytesApplied} bytes applied${resumed ? ' (resumed from the journal)' : ''}`);
  return { state: 'applied', jobId: request.jobId, round: request.round, applied, resumed };
}

/** The key the round needs, checked against the request (the agent's own key was checked against its state when it opened). */
function checkKey(request: FailbackRequest, key: Buffer | undefined): Buffer | undefined {
  if (!request.encrypted) return undefined;
  if (!key) throw new ServiceError('EncryptionKeyRequired', 'this failback is encrypted: pass --encryption-key-file with the key the item was protected with');
  const fp = keyFingerprint(key);
  if (fp !== request.keyFingerprint) {
    throw new ServiceError('WrongEncryptionKey', `the agent's key (fingerprint ${fp.slice(0, 16)}…) is not the one of this failback (${request.keyFingerprint?.slice(0, 16)}…)`);
  }
  return key;
}

/** Where each disk of the round goes; an alternate directory is checked here, on the host it names. */
async function targetsOf(agent: ReplicationAgent, request: FailbackRequest): Promise<FailbackJournalEntry['disks']> {
  const alternate = request.alternateDirectory === undefined ? undefined : await checkAlternateDirectory(request.alternateDirectory);
  return request.disks.map((d) => {
    const own = agent.current.disks.find((x) => x.diskId === d.diskId);
    if (!own) throw new ServiceError('FailbackDiskMissing', `the failback names disk ${d.diskId}, which this agent does not protect (${agent.current.disks.map((x) => x.diskId).join(', ')})`);
    if (alternate) {
      return { diskId: d.diskId, path: join(alternate, alternateDiskFileName(agent.current.item, d.diskId)), create: true, virtualSize: d.dataBytes };
    }
    return { diskId: d.diskId, path: own.path, create: false, virtualSize: d.dataBytes };
  });
}

/** Checks a delta log whole; a log under another key is refused here, before anything is journaled. */
function parseDelta(log: Buffer, agent: ReplicationAgent, request: FailbackRequest, diskId: string, virtualSize: number, key: Buffer | undefined) {
  try {
    const parsed = parseHrl(log, {
      vaultId: agent.current.vaultSegment, protectedItemId: agent.current.item, diskId, epoch: BigInt(request.round), sequence: 1n, virtualSize,
      keyFingerprint: request.encrypted ? keyFingerprint(key!) : null,
    });
    return { parsed, decryptor: new HrlRecordDecryptor(parsed.header, key) };
  } catch (err) {
    if ((err as { code?: string }).code === 'HrlIdentityMismatch' && /keyFingerprint/.test(String((err as Error).message))) {
      throw new ServiceError('WrongEncryptionKey', `the failback log of disk ${diskId} is encrypted with another key than the agent's: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  }
}

async function applyJournal(agent: ReplicationAgent, journal: FailbackJournal, entry: FailbackJournalEntry, request: FailbackRequest, key: Buffer | undefined, options: FailbackServeOptions): Promise<FailbackApplied> {
  const digester = new FailbackDigester(key);
  const disks: FailbackApplied['disks'] = [];
  let bytesApplied = 0;
  for (const d of entry.disks) {
    const log = await journal.read(`${d.diskId}.hrl`);
    const digests = await journal.read(`${d.diskId}.digests`);
    if (!log || !digests) throw new ServiceError('FailbackJournalDamaged', `the failback journal ${journal.dir} lacks the log or digests of disk ${d.diskId}; clear it and serve the round again`);
    const { parsed, decryptor } = parseDelta(log, agent, request, d.diskId, d.virtualSize, key);
    const target = await FailbackDiskTarget.open(d.path, d.virtualSize, d.create);
    try {
      let i = 0;
      for (const record of parsed.records) {
        await target.write(record.offset, decryptor.decrypt(record));
        bytesApplied += record.payload.length;
        options.onRecordApplied?.(d.diskId, i++);
      }
      // Verify what the disk now holds: the digests taken before, with every written block read back through the image reader.
      if (digests.length !== failbackBlockCount(d.virtualSize) * FAILBACK_DIGEST_BYTES) throw new ServiceError('FailbackJournalDamaged', `digests of disk ${d.diskId} in ${journal.dir} have the wrong length`);
      await target.sync();
      const image = await openSourceDisk(target.writtenPath);
      try {
        for (const record of parsed.records) digester.digestRun(record.offset / 4096, (await readBlocks(image, record.offset, record.payload.length)).data, digests);
      } finally {
        await image.close();
      }
      const root = MerkleTree.fromLeafHashBuffer(digests).root().toString('hex');
      const expected = entry.ready.disks.find((x) => x.diskId === d.diskId)?.diskDigest;
      if (root !== expected) {
        throw new ServiceError('FailbackVerifyFailed', `after applying, disk ${d.diskId} (${d.path}) does not match the recovered disk (digest root ${root.slice(0, 16)}…, expected ${expected?.slice(0, 16)}…): was the source disk written during the failback?`);
      }
      await target.finish();
      disks.push({ diskId: d.diskId, path: d.path, blocks: parsed.records.reduce((n, r) => n + r.payload.length / 4096, 0), diskDigest: root });
    } catch (err) {
      await target.close();
      throw err;
    }
  }
  return { jobId: entry.jobId, round: entry.round, bytesApplied, appliedAt: new Date().toISOString(), agent: `${hostname()} pid ${process.pid}`, disks };
}

function zeroDigests(virtualSize: number, digester: FailbackDigester): Buffer {
  const blocks = failbackBlockCount(virtualSize);
  const out = Buffer.alloc(blocks * FAILBACK_DIGEST_BYTES);
  for (let b = 0; b < blocks; b++) digester.zero(b).copy(out, b * FAILBACK_DIGEST_BYTES);
  return out;
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false;
    throw err;
  });
}
