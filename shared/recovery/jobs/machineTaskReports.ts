import type { JobTaskReportDocument, MetadataStore } from '../../metadata';
import { applyJobEvents, type RecoveryJobState } from '../plan/applyJobEvent';
import { FINISHED_JOB_STATES } from '../plan/AsrJob';
import type { JobEvent } from '../plan/JobEvent';

let counter = 0;

/**
 * A machine task's report, beside its job (issue 17): one create per report, no read and no
 * ETag, so the machines of a group never wait for each other's writes. `seq` orders a task's
 * reports: the writer's clock, then its order within the same millisecond.
 */
export async function putMachineTaskReport(store: MetadataStore, vaultKey: string, jobId: string, groupTaskId: string, taskId: string, events: JobEvent[]): Promise<void> {
  counter = (counter + 1) % 1000;
  const seq = Date.now() * 1000 + counter;
  await store.putJobTaskReport<JobEvent>({ id: `${jobId}|${taskId}|${seq}`, vaultKey, jobId, groupTaskId, taskId, seq, events });
}

/** The events a group's machine tasks reported, in the order each task reported them. */
export async function machineTaskEvents(store: MetadataStore, vaultKey: string, jobId: string, groupTaskId: string): Promise<JobEvent[]> {
  const reports = await store.listJobTaskReports<JobEvent>(vaultKey, jobId, groupTaskId);
  return reports.sort((a, b) => a.seq - b.seq || a.id.localeCompare(b.id)).flatMap((r) => r.events);
}

/**
 * The job as its readers see it: the stored job plus the reports of the machine tasks of the
 * groups running now (a group's reports are folded into the job when it ends). Applying a
 * task's reports again in order changes nothing, so a group caught between its fold and its
 * end reads the same. A finished job is as stored.
 */
export async function withRunningGroups(store: MetadataStore, vaultKey: string, jobId: string, job: RecoveryJobState): Promise<RecoveryJobState> {
  if (FINISHED_JOB_STATES.includes(job.state)) return job;
  const running = job.tasks.filter((t) => t.state === 'InProgress' && (t.groupTaskCustomDetails?.childTasks.length ?? 0) > 0);
  if (running.length === 0) return job;
  const events = (await Promise.all(running.map((g) => machineTaskEvents(store, vaultKey, jobId, g.taskId)))).flat();
  // A report of a task the job does not hold (a job recreated under its name) is not this job's.
  if (job.state === 'Suspended') return applyJobEvents(job, events, { skipUnknownTasks: true });
  // The reports change only their running groups (a job that is not Suspended looks at no other
  // task for them): those are copied and changed, the other groups shared as they are. A
  // 2,000-machine job copied whole for every GET was 4 % of the host during a failover.
  const changed = applyJobEvents({ ...job, tasks: running }, events, { skipUnknownTasks: true });
  const byId = new Map(changed.tasks.map((t) => [t.taskId, t]));
  return { ...changed, tasks: job.tasks.map((t) => byId.get(t.taskId) ?? t) };
}
