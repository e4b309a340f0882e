import { ServiceError } from '../../errors';
import type { MetadataStore } from '../../metadata';
import { appendToOutbox, EventOutbox, jobEventsOf } from '../../events';
import { applyJobEvents } from '../plan/applyJobEvent';
import type { JobEvent } from '../plan/JobEvent';
import type { RecordedJob } from '../plan/RecoveryActivityMap';
import type { RecoveryJobDocument } from './RecoveryJobDocument';
import { recordJobMetrics } from './recordJobMetrics';
import { traceMessage } from '../../telemetry';
import { machineTaskEvents, putMachineTaskReport, withRunningGroups } from './machineTaskReports';

interface PendingRecord {
  events: JobEvent[];
  resolve: (r: RecordedJob) => void;
  reject: (err: unknown) => void;
}

/**
 * Per store, per job: the callers waiting for the write in flight (present while one runs).
 * Shared by every recorder on the same store, so the activities of one host all join it.
 */
const waitingByStore = new WeakMap<MetadataStore, Map<string, PendingRecord[]>>();
/** What a machine report needs of its job: whether it runs on or was asked to stop. */
type JobStateFields = { properties: Pick<RecoveryJobDocument['properties'], 'state' | 'cancelRequested'> };
const JOB_STATE_FIELDS = ['properties.state', 'properties.cancelRequested'] as const;
/** Per store, per job: the read of the job's state in flight, which machine reports of the moment share. */
const readsByStore = new WeakMap<MetadataStore, Map<string, Promise<JobStateFields>>>();

function jobNotFound(jobId: string): ServiceError {
  return new ServiceError('NotFound', `job '${jobId}' does not exist in this vault; list jobs with 'asr job list'`);
}

/**
 * Applies job events to the stored job with optimistic concurrency: read, apply, replace with
 * If-Match, and on a lost race read again. Machines of a group report at the same time: within
 * one host, events that arrive while a write of the same job is in flight wait and go in the
 * next write together (group commit), so a hundred machines make a few writes, not a hundred
 * racing ones (issue 17: 412 retries were most of a machine's time). Across hosts, races are
 * still normal; the jitter keeps them from repeating in lockstep. The replication events a
 * change raises (job started, suspended, succeeded, failed: shared/events) go into the job's
 * outbox in the same write, and are published after it. Machine tasks of a group do not write
 * the job at all while they run (`recordTask`: a report beside it); the group folds them in
 * when it ends, and `view` shows them meanwhile (issue 17: no hot document).
 */
export class JobRecorder {
  private readonly outbox: EventOutbox;

  constructor(private readonly store: MetadataStore, private readonly maxAttempts = 30) {
    this.outbox = new EventOutbox(store);
  }

  async get(vaultKey: string, jobId: string): Promise<RecoveryJobDocument> {
    const doc = await this.store.getJob<RecoveryJobDocument>(vaultKey, jobId);
    if (!doc) throw jobNotFound(jobId);
    return doc;
  }

  /** The job as the API shows it: with the reports of the machine tasks of its running groups applied. */
  async view(vaultKey: string, jobId: string): Promise<RecoveryJobDocument> {
    const doc = await this.get(vaultKey, jobId);
    return { ...doc, properties: await withRunningGroups(this.store, vaultKey, jobId, doc.properties) };
  }

  /**
   * Records a machine task's events beside the job (one create, no ETag: see
   * `putMachineTaskReport`) and answers the job's state from a read shared by the callers of
   * the moment. `record(..., { foldGroup })` folds them into the job when the group ends.
   */
  async recordTask(vaultKey: string, jobId: string, groupTaskId: string, taskId: string, events: JobEvent[]): Promise<RecordedJob> {
    await putMachineTaskReport(this.store, vaultKey, jobId, groupTaskId, taskId, events);
    const job = await this.sharedRead(vaultKey, jobId);
    return { state: job.properties.state, cancelRequested: !!job.properties.cancelRequested };
  }

  /** The job's state and cancel request only (a 2,000-machine job is megabytes with its tasks; a report reads two fields). */
  private sharedRead(vaultKey: string, jobId: string): Promise<JobStateFields> {
    let reads = readsByStore.get(this.store);
    if (!reads) readsByStore.set(this.store, reads = new Map());
    const key = `${vaultKey}\n${jobId}`;
    let read = reads.get(key);
    if (!read) {
      read = this.store.getJobFields<JobStateFields>(vaultKey, jobId, JOB_STATE_FIELDS).then((job) => {
        if (!job) throw jobNotFound(jobId);
        return job;
      }).finally(() => reads.delete(key));
      reads.set(key, read);
    }
    return read;
  }

  /**
   * Records events on the job; resolves with the job's state after the write that carried them.
   * `foldGroup`: the reports of that group's machine tasks go in first, in the same write.
   */
  async record(vaultKey: string, jobId: string, events: JobEvent[], options: { foldGroup?: string } = {}): Promise<RecordedJob> {
    const folded = options.foldGroup ? await machineTaskEvents(this.store, vaultKey, jobId, options.foldGroup) : [];
    return this.enqueue(vaultKey, jobId, [...folded, ...events]);
  }

  private enqueue(vaultKey: string, jobId: string, events: JobEvent[]): Promise<RecordedJob> {
    let byJob = waitingByStore.get(this.store);
    if (!byJob) waitingByStore.set(this.store, byJob = new Map());
    const key = `${vaultKey}\n${jobId}`;
    return new Promise<RecordedJob>((resolve, reject) => {
      const waiting = byJob.get(key);
      if (waiting) {
        waiting.push({ events, resolve, reject });
        return;
      }
      byJob.set(key, [{ events, resolve, reject }]);
      void this.drain(byJob, key, vaultKey, jobId);
    });
  }

  /** Writes batches of waiting events until none are left; a failed batch is retried caller by caller, so one bad event fails only its caller. */
  private async drain(byJob: Map<string, PendingRecord[]>, key: string, vaultKey: string, jobId: string): Promise<void> {
    for (;;) {
      const batch = byJob.get(key) ?? [];
      if (batch.length === 0) {
        byJob.delete(key);
        return;
      }
      byJob.set(key, []);
      try {
        const r = await this.write(vaultKey, jobId, batch.flatMap((p) => p.events));
        for (const p of batch) p.resolve(r);
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err);
          continue;
        }
        for (const p of batch) {
          await this.write(vaultKey, jobId, p.events).then(p.resolve, p.reject);
        }
      }
    }
  }

  private async write(vaultKey: string, jobId: string, events: JobEvent[]): Promise<RecordedJob> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.get(vaultKey, jobId);
      const next = applyJobEvents(doc.properties, events);
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
