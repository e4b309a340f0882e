import { ServiceError } from '../../errors';
import type { MetadataStore } from '../../metadata';
import { appendToOutbox, EventOutbox, jobEventsOf } from '../../events';
import { applyJobEvent } from '../plan/applyJobEvent';
import type { JobEvent } from '../plan/JobEvent';
import type { RecordedJob } from '../plan/RecoveryActivityMap';
import type { RecoveryJobDocument } from './RecoveryJobDocument';
import { recordJobMetrics } from './recordJobMetrics';
import { traceMessage } from '../../telemetry';

/**
 * Applies job events to the stored job with optimistic concurrency: read, apply, replace with
 * If-Match, and on a lost race read again. Machines of a group report at the same time, so
 * races are normal; the jitter keeps them from repeating in lockstep. The replication events a
 * change raises (job started, suspended, succeeded, failed: shared/events) go into the job's
 * outbox in the same write, and are published after it.
 */
export class JobRecorder {
  private readonly outbox: EventOutbox;

  constructor(private readonly store: MetadataStore, private readonly maxAttempts = 30) {
    this.outbox = new EventOutbox(store);
  }

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
      const at = [...events].reverse().find((e): e is Extract<JobEvent, { at: string }> => 'at' in e)?.at ?? new Date().toISOString();
      const changed = appendToOutbox({ ...doc, properties: next }, 'jobs', jobEventsOf(doc, doc.properties, next, at));
      try {
        const written = await this.store.replaceJob<RecoveryJobDocument>(changed, { ifMatch: doc._etag });
        recordJobMetrics(doc.properties, next);
        traceMessage(`job ${jobId}: ${events.map((e) => e.type).join(', ')} -> ${next.state}`, { 'asr.job.id': jobId, 'asr.job.state': next.state });
        await this.outbox.publishAfterWrite('jobs', written);
        return { state: next.state, cancelRequested: !!next.cancelRequested };
      } catch (err) {
        if (!(err instanceof ServiceError && err.code === 'PreconditionFailed') || attempt >= this.maxAttempts) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt, 10)));
      }
    }
  }
}
