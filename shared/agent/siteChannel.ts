import { readFile } from 'node:fs/promises';
import { BlockBlobClient } from '@azure/storage-blob';
import { ServiceError } from '../errors';
import { logFileName, type DiskRef } from '../replication';
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
    async uploadLog(disk, epoch, sequence, file) {
      const bytes = await readFile(file);
      if (bytes.length > MAX_SITE_UPLOAD_BYTES) {
        throw new ServiceError('InvalidParameter', `log ${sequence} of ${disk.disk} is ${bytes.length} bytes; a site uploads at most ${MAX_SITE_UPLOAD_BYTES} per log (use a smaller --seed-log-mib)`);
      }
      // Two tries: a URL that expired on the way (slow link, skewed clock) is replaced once.
      for (let attempt = 1; ; attempt++) {
        const answer = await askUrl(disk, epoch, sequence, bytes.length);
        if (answer.status !== 'upload') return 0;
        try {
          await new BlockBlobClient(answer.uploadUrl, undefined, { retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5000, tryTimeoutInMs: 120_000 } })
            .uploadData(bytes, { conditions: { ifNoneMatch: '*' }, maxSingleShotSize: MAX_SITE_UPLOAD_BYTES });
          return bytes.length;
        } catch (err) {
          const status = (err as { statusCode?: number }).statusCode;
          // Created meanwhile (a retry after a lost answer: 409/412, or 403 since the URL cannot
          // overwrite) or the URL expired (403): ask again; the service tells ours from another's.
          if ((status !== 409 && status !== 412 && status !== 403) || attempt >= 2) throw err;
        }
      }
    },
    async mergedSequence(disk, epoch) {
      const state = await api.replicationState(await itemIdOf(disk));
      const d = state.disks.find((x) => x.diskId === disk.disk);
      if (!d || d.epoch !== epoch) return { sequence: 0 };
      return { sequence: d.lastAppliedSequence, cutTimeMs: d.lastAppliedCutTimeMs };
    },
    async quarantined(disk, upTo) {
      const state = await api.replicationState(await itemIdOf(disk));
      for (const q of state.quarantinedLogs.filter((x) => x.diskId === disk.disk)) {
        for (let s = 1; s <= upTo; s++) {
          if (q.fileName.startsWith(`${logFileName(BigInt(s))}.`)) return `${q.fileName}${q.reason ? `: ${q.reason}` : ''}`;
        }
      }
      return undefined;
    },
    async shutdownRequest(where) {
      return (await api.replicationState(await itemIdOf({ ...where, disk: '' }))).shutdownRequest ?? undefined;
    },
  };
}
