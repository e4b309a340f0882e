import { allTasks, FINISHED_JOB_STATES, type AsrJobProperties, type AsrTask } from './AsrJob';
import type { JobEvent } from './JobEvent';

/** A job's properties plus what only the service needs (not shown by the API). */
export interface RecoveryJobState extends AsrJobProperties {
  cancelRequested?: boolean;
}

/** A job's tasks by id, over the copy being changed (the tasks are changed in place, never replaced). */
type TaskIndex = Map<string, AsrTask>;

function indexOf(job: AsrJobProperties): TaskIndex {
  return new Map(allTasks(job.tasks).map((t) => [t.taskId, t]));
}

function findTask(index: TaskIndex, taskId: string): AsrTask {
  const t = index.get(taskId);
  if (!t) throw new Error(`job has no task '${taskId}'`);
  return t;
}

/** Group tasks start with their first child and end with their last one. */
function rollUpGroups(job: AsrJobProperties, at: string): void {
  for (const g of job.tasks) {
    const children = g.groupTaskCustomDetails?.childTasks;
    if (!children || children.length === 0) continue;
    if (children.some((c) => c.state !== 'NotStarted') && g.state === 'NotStarted') {
      g.state = 'InProgress'; g.stateDescription = 'InProgress'; g.startTime ??= at;
    }
    const done = children.filter((c) => c.state === 'Succeeded' || c.state === 'Failed' || c.state === 'Cancelled' || c.state === 'Skipped');
    if (g.state === 'InProgress') g.stateDescription = `${done.length} of ${children.length} virtual machines done`;
  }
}

/**
 * Applies one event to a job (a copy is returned; the input is untouched). Events of a finished
 * job are ignored, except that nothing may restart it. The job's `allowedActions` follow its
 * state: Cancel while it runs or waits, Resume while a manual step waits, Restart once failed
 * or cancelled.
 */
export function applyJobEvent(input: RecoveryJobState, event: JobEvent): RecoveryJobState {
  const job: RecoveryJobState = structuredClone(input);
  applyInPlace(job, event, indexOf(job));
  return job;
}

/**
 * Applies events in order to one copy of the job, as `applyJobEvent` one by one would (a copy
 * per event made folding a group of a hundred machines into a job of thousands quadratic).
 * Throws on an event of a task the job lacks, unless `skipUnknownTasks` (then that event is left out).
 */
export function applyJobEvents(input: RecoveryJobState, events: JobEvent[], options: { skipUnknownTasks?: boolean } = {}): RecoveryJobState {
  const job: RecoveryJobState = structuredClone(input);
  const index = indexOf(job);
  for (const event of events) {
    if (options.skipUnknownTasks && 'taskId' in event && event.type !== 'jobFailed' && !index.has(event.taskId)) continue;
    applyInPlace(job, event, index);
  }
  return job;
}

function applyInPlace(job: RecoveryJobState, event: JobEvent, index: TaskIndex): void {
  const finished = FINISHED_JOB_STATES.includes(job.state);
  if (finished && event.type !== 'cancelRequested') return;
  switch (event.type) {
    case 'jobStarted':
      if (job.state === 'NotStarted') { job.state = 'InProgress'; job.stateDescription = 'InProgress'; job.startTime = event.at; }
      break;
    case 'taskStarted': {
      const t = findTask(index, event.taskId);
      if (t.state === 'NotStarted' || t.state === 'Suspended') {
        t.state = 'InProgress'; t.startTime ??= event.at;
      }
      t.stateDescription = event.description ?? 'InProgress';
      break;
    }
    case 'taskProgress': {
      const t = findTask(index, event.taskId);
      t.stateDescription = event.description;
      if (event.customDetails) t.customDetails = { ...t.customDetails, ...event.customDetails };
      break;
    }
    case 'taskSucceeded': case 'taskFailed': case 'taskSkipped': {
      const t = findTask(index, event.taskId);
      t.state = event.type === 'taskSucceeded' ? 'Succeeded' : event.type === 'taskFailed' ? 'Failed' : 'Skipped';
      t.startTime ??= event.at;
      t.endTime = event.at;
      t.allowedActions = [];
      t.stateDescription = event.type === 'taskFailed' ? event.error.message : event.description ?? t.state;
      if ('customDetails' in event && event.customDetails) t.customDetails = { ...t.customDetails, ...event.customDetails };
      if (event.type === 'taskFailed' && !t.errors.some((e) => e.serviceErrorDetails.code === event.error.code)) {
        t.errors.push({ serviceErrorDetails: event.error, taskId: t.taskId, creationTime: event.at });
      }
      if (job.state === 'Suspended' && !allTasks(job.tasks).some((x) => x.state === 'Suspended')) {
        job.state = 'InProgress'; job.stateDescription = 'InProgress'; job.allowedActions = ['Cancel'];
      }
      break;
    }
    case 'taskSuspended': {
      const t = findTask(index, event.taskId);
      t.state = 'Suspended'; t.startTime ??= event.at; t.stateDescription = event.description; t.allowedActions = event.allowedActions;
      job.state = 'Suspended'; job.stateDescription = event.jobDescription; job.allowedActions = ['Cancel', ...event.allowedActions];
      break;
    }
    case 'jobResumed':
      if (job.state === 'Suspended') { job.state = 'InProgress'; job.stateDescription = 'InProgress'; }
      break;
    case 'jobSucceeded':
      job.state = 'Succeeded'; job.stateDescription = 'Completed'; job.endTime = event.at;
      break;
    case 'jobFailed': case 'jobCancelled': {
      job.state = event.type === 'jobFailed' ? 'Failed' : 'Cancelled';
      job.stateDescription = event.error.message;
      job.endTime = event.at;
      job.errors.push({ serviceErrorDetails: event.error, ...(event.type === 'jobFailed' && event.taskId ? { taskId: event.taskId } : {}), creationTime: event.at });
      // Whatever was running or waiting stops with the job.
      for (const t of allTasks(job.tasks)) {
        if (t.state === 'InProgress' || t.state === 'Suspended') {
          t.state = job.state === 'Failed' ? 'Failed' : 'Cancelled'; t.endTime = event.at; t.allowedActions = [];
          if (job.state === 'Cancelled') t.stateDescription = 'Cancelled';
        }
      }
      break;
    }
    case 'cancelRequested':
      if (!finished) { job.cancelRequested = true; job.stateDescription = 'Cancelling'; }
      break;
  }
  rollUpGroups(job, 'at' in event ? event.at : job.startTime);
  if (FINISHED_JOB_STATES.includes(job.state)) job.allowedActions = job.state === 'Succeeded' ? [] : ['Restart'];
  else if (job.state === 'InProgress') job.allowedActions = job.cancelRequested ? [] : ['Cancel'];
}
