import { ServiceError } from '../../errors';
import type { MetadataStore } from '../../metadata';
import { applyJobEvent } from '../plan/applyJobEvent';
import type { JobEvent } from '../plan/JobEvent';
import type { RecordedJob } from '../plan/RecoveryActivityMap';
import type { RecoveryJobDocument } from './RecoveryJobDocument';

/**
 * Applies job events to the stored job with optimistic concurrency: read, apply, replace with
 * If-Match, and on a lost race read again. Machines of a group report at the same time, so
 * races are normal; the jitter keeps them from repeating in lockstep.
 */
export class JobRecorder {
  constructor(private readonly store: MetadataStore, private readonly maxAttempts = 30) {}

  async get(vaultKey: string, jobId: string): Promise<RecoveryJobDocument> {
    const doc = await this.store.getJob<RecoveryJobDocument>(vaultKey, jobId);
    if (!doc) throw new ServiceError('NotFound', `job '${jobId}' does not exist in this vault; list jobs with 'asr job list'`);
    return doc;
  }

  async record(vaultKey: string, jobId: string, events: JobEvent[]): Promise<RecordedJob> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.get(vaultKey, jobId);
      const next = events.reduce(applyJobEvent, doc.properties);
      if (JSON.stringify(next) === JSON.stringify(doc.properties)) return { state: next.state, cancelRequested: !!next.cancelRequested };
      try {
        await this.store.replaceJob<RecoveryJobDocument>({ ...doc, properties: next }, { ifMatch: doc._etag });
        return { state: next.state, cancelRequested: !!next.cancelRequested };
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= this.maxAttempts) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt, 10)));
      }
    }
  }
}
