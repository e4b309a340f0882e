import { readFile } from 'node:fs/promises';
import { BlockBlobClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { REPAIR_DIGEST_BYTES } from '../contracts/replicationRepair';
import { encodeFailbackDigests, FailbackReadySchema } from '../contracts/FailbackTransfers';
import type { DiskRef } from '../contracts/DiskRef';
import { LOG_METADATA, logChecksum } from '../contracts/logChecksum';
import { readReplicaState } from '../contracts/ReplicaState';
import type { ReplicaChannel } from './ReplicaChannel';
import type { SiteApiClient } from './SiteApiClient';

/** Largest log one create-only URL can take: a single Put Blob (a block list would need write permission). */
export const MAX_SITE_UPLOAD_BYTES = 256 * 1024 * 1024;

export interface SiteChannelOptions {
  /** How long an upload waits for the merge when the service says the log is too far ahead (default 10 min). */
  aheadWaitMs?: number;
}

/**
 * A registered site's channel: per log, the API hands out a create-only URL for exactly that
 * blob (or says it is already there / merged); the agent never holds a storage credential.
 * Merge progress, quarantined logs and shutdown requests come from the API too.
 */
export function siteChannel(api: SiteApiClient, siteId: string, itemIdOf: (disk: DiskRef) => Promise<string>, options: SiteChannelOptions = {}): ReplicaChannel {
  const aheadWaitMs = options.aheadWaitMs ?? 10 * 60_000;

  async function askUrl(disk: DiskRef, epoch: number, sequence: number, sizeBytes: number) {
    const deadline = Date.now() + aheadWaitMs;
    for (let wait = 500; ; wait = Math.min(wait * 2, 5000)) {
      try {
        return await api.uploadUrl({ itemId: await itemIdOf(disk), diskId: disk.disk, epoch, sequence, sizeBytes });
      } catch (err) {
        // Too far ahead of the merge: the window opens as logs merge.
        if (!(err instanceof ServiceError && err.code === 'LogSequenceAhead') || Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  return {
    kind: 'site',
    siteId,
    async uploadLog(disk, epoch, sequence, file, protectionId) {
      const bytes = await readFile(file);
      const sha256 = logChecksum(bytes);
      // The same stamps as a storage upload (uploadLog.ts): the merge checks the protection id, the agent knows its log by the checksum.
      const metadata: Record<string, string> = { [LOG_METADATA.sha256]: sha256, ...(protectionId ? { [LOG_METADATA.protectionId]: protectionId } : {}) };
      if (bytes.length > MAX_SITE_UPLOAD_BYTES) {
        throw new ServiceError('InvalidParameter', `log ${sequence} of ${disk.disk} is ${bytes.length} bytes; a site uploads at most ${MAX_SITE_UPLOAD_BYTES} per log (use a smaller --seed-log-mib)`);
      }
      // Two tries: a URL that expired on the way (slow link, skewed clock) is replaced once.
      for (let attempt = 1; ; attempt++) {
        const answer = await askUrl(disk, epoch, sequence, bytes.length);
        if (answer.status !== 'upload') return { sent: 0, sha256 };
        try {
          await new BlockBlobClient(answer.uploadUrl, undefined, { retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5000, tryTimeoutInMs: 120_000 } })
            .uploadData(bytes, { conditions: { ifNoneMatch: '*' }, metadata, maxSingleShotSize: MAX_SITE_UPLOAD_BYTES });
          return { sent: bytes.length, sha256 };
        } catch (err) {
          const status = (err as { statusCode?: number }).statusCode;
          // Created meanwhile (a retry after a lost answer: 409/412, or 403 since the URL cannot
          // overwrite) or the URL expired (403): ask again; the service tells ours from another's.
          if ((status !== 409 && status !== 412 && status !== 403) || attempt >= 2) throw err;
        }
      }
    },
    async replicaState(disk) {
      const d = (await api.replicationState(await itemIdOf(disk))).disks.find((x) => x.diskId === disk.disk);
      return d?.replicaMetadata ? readReplicaState(d.replicaMetadata) : undefined;
    },
    async quarantinedLogs(disk) {
      const state = await api.replicationState(await itemIdOf(disk));
      return state.quarantinedLogs.filter((x) => x.diskId === disk.disk)
        .map((q) => ({ name: q.fileName, metadata: q.metadata ?? (q.reason ? { reason: q.reason } : {}) }));
    },
    async shutdownRequest(where) {
      return (await api.replicationState(await itemIdOf({ ...where, disk: '' }))).shutdownRequest ?? undefined;
    },
    async repairRequest(where) {
      return (await api.replicationState(await itemIdOf({ ...where, disk: '' }))).repairRequest ?? undefined;
    },
    async repairDigests(where, request, diskId) {
      const state = await api.replicationState(await itemIdOf({ ...where, disk: '' }));
      const url = state.repairRequest?.epoch === request.epoch ? state.repairDigestUrls?.[diskId] : undefined;
      const d = request.disks.find((x) => x.diskId === diskId);
      if (!url || !d) throw new ServiceError('RepairRequestInvalid', `the service offers no digests of disk ${diskId} for the repair of epoch ${request.epoch}`);
      const res = await fetch(url, { redirect: 'error' });
      if (!res.ok) throw new ServiceError('RepairRequestInvalid', `downloading the digests of disk ${diskId} answered HTTP ${res.status}`, { retryable: res.status >= 500 });
      const buf = Buffer.from(await res.arrayBuffer());
      if (buf.length !== d.blocks * REPAIR_DIGEST_BYTES) throw new ServiceError('RepairRequestInvalid', `digests of disk ${diskId} are ${buf.length} bytes, expected ${d.blocks * REPAIR_DIGEST_BYTES}`);
      return buf;
    },
    // Failback: the request and one URL per blob of the round come with the replication state.
    async failbackRequest(where) {
      return (await api.replicationState(await itemIdOf({ ...where, disk: '' }))).failbackRequest ?? undefined;
    },
    async uploadFailbackDigests(where, jobId, round, diskId, digests) {
      const url = (await failbackUrls(where, jobId, round)).digests[diskId];
      if (!url) throw new ServiceError('FailbackRoundNotRequested', `the service offers no digests upload for disk ${diskId} in round ${round} of job ${jobId}`);
      await createOnce(url, encodeFailbackDigests(digests));
    },
    async failbackReady(where, jobId, round) {
      const buf = await download((await failbackUrls(where, jobId, round)).ready, 'ready.json');
      return buf && FailbackReadySchema.parse(JSON.parse(buf.toString('utf8')));
    },
    async failbackLog(where, jobId, round, diskId) {
      const url = (await failbackUrls(where, jobId, round)).logs[diskId];
      const buf = url ? await download(url, `the delta log of disk ${diskId}`) : undefined;
      if (!buf) throw new ServiceError('FailbackLogMissing', `the failback log of disk ${diskId} (job ${jobId}, round ${round}) is gone: the round was cancelled or cleared`);
      return buf;
    },
    async reportFailbackApplied(where, applied) {
      await createOnce((await failbackUrls(where, applied.jobId, applied.round)).applied, Buffer.from(JSON.stringify(applied)));
    },
  };

  /** The URLs of round `round` of job `jobId`; refused when the service's pending round is another. */
  async function failbackUrls(where: Pick<DiskRef, 'vault' | 'item'>, jobId: string, round: number) {
    const urls = (await api.replicationState(await itemIdOf({ ...where, disk: '' }))).failbackUrls;
    if (!urls || urls.jobId !== jobId || urls.round !== round) {
      throw new ServiceError('FailbackRoundNotRequested', `the service has no failback round ${round} of job ${jobId} pending for '${where.item}' any more`);
    }
    return urls;
  }
}

/** Creates a blob through a create-only URL; one already there (a retry after a lost answer) counts as done. */
async function createOnce(url: string, body: Buffer): Promise<void> {
  try {
    await new BlockBlobClient(url, undefined, { retryOptions: { maxTries: 3 } }).upload(body, body.length, { conditions: { ifNoneMatch: '*' } });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 409 && status !== 412 && status !== 403) throw err;
  }
}

/** GET of a read-only URL; undefined when the blob is not there (yet). */
async function download(url: string, what: string): Promise<Buffer | undefined> {
  const res = await fetch(url, { redirect: 'error' });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new ServiceError('FailbackLogMissing', `downloading ${what} answered HTTP ${res.status}`, { retryable: res.status >= 500 });
  return Buffer.from(await res.arrayBuffer());
}
