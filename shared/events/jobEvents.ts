import { EVENT_TYPES, type EventCode, type EventSeverity, type ReplicationEventDraft } from './ReplicationEventDraft';

/** The parts of a job's properties (ASR's job shape, shared/recovery's `RecoveryJobState`) its events are about. */
export interface JobStatusView {
  state: string;
  stateDescription: string;
  friendlyName: string;
  scenarioName: string;
  targetObjectId: string;
  targetObjectName: string;
  targetInstanceType: string;
  allowedActions: string[];
  errors: { serviceErrorDetails: { code: string; message: string; recommendedAction?: string } }[];
  tasks: JobTaskView[];
}

interface JobTaskView {
  taskId: string;
  startTime?: string;
  endTime?: string;
  friendlyName: string;
  state: string;
  stateDescription: string;
  allowedActions: string[];
  groupTaskCustomDetails?: { childTasks: JobTaskView[] };
}

interface JobRef {
  name: string;
  armId: string;
  vaultKey: string;
}

function suspendedTasks(tasks: JobTaskView[]): JobTaskView[] {
  return tasks.flatMap((t) => [...(t.state === 'Suspended' ? [t] : []), ...suspendedTasks(t.groupTaskCustomDetails?.childTasks ?? [])]);
}

/** How an operator moves a suspended job on: what a receiver of the event needs to act. */
function howToResume(job: JobRef, task: JobTaskView): string {
  const vault = job.vaultKey.split('/').pop();
  if (task.allowedActions.includes('Resume')) {
    return `When the action is done, resume the job: 'asr job resume ${vault} ${job.name}' or POST ${job.armId}/resume`;
  }
  return `${task.stateDescription}; the job waits until then (or cancel it: 'asr job cancel ${vault} ${job.name}')`;
}

const PHASE_ENDS: Partial<Record<string, { eventCode: EventCode; severity: EventSeverity; verb: string }>> = {
  Succeeded: { eventCode: 'JobStepSucceeded', severity: 'Info', verb: 'finished' },
  Failed: { eventCode: 'JobStepFailed', severity: 'Warning', verb: 'failed' },
};

/**
 * The phases of a job are its top-level tasks (a plan's groups and actions, a failover's
 * shutdown, drain and start; a failback's rounds): one event as each starts and as each ends.
 * Skipped and cancelled phases raise nothing (the job's own event says why).
 */
function phaseEventsOf(before: JobStatusView, after: JobStatusView, base: Omit<ReplicationEventDraft, 'eventCode' | 'severity' | 'description'>): ReplicationEventDraft[] {
  const was = new Map(before.tasks.map((t) => [t.taskId, t.state]));
  const drafts: ReplicationEventDraft[] = [];
  for (const task of after.tasks) {
    const prior = was.get(task.taskId) ?? 'NotStarted';
    if (prior === task.state) continue;
    const details = { ...base.eventSpecificDetails, taskId: task.taskId, taskFriendlyName: task.friendlyName, taskState: task.state };
    if (prior === 'NotStarted' && task.state !== 'Skipped' && task.state !== 'Cancelled') {
      drafts.push({ ...base, eventSpecificDetails: details, eventCode: 'JobStepStarted', severity: 'Info',
        description: `${after.friendlyName}: ${task.friendlyName} started` });
    }
    const end = PHASE_ENDS[task.state];
    if (end) {
      drafts.push({ ...base, eventSpecificDetails: details, eventCode: end.eventCode, severity: end.severity,
        description: `${after.friendlyName}: ${task.friendlyName} ${end.verb}${task.state === 'Failed' ? `: ${task.stateDescription}` : ''}` });
    }
  }
  return drafts;
}

/**
 * The events one write of a job raises: started, suspended (each newly waiting task, with how to
 * resume), succeeded, failed or cancelled, and each phase started and ended. Pure: `before` and `after` are the job's properties
 * around one write; an unchanged state raises nothing, so recording the same events twice
 * raises them once.
 */
export function jobEventsOf(job: JobRef, before: JobStatusView, after: JobStatusView, at: string): ReplicationEventDraft[] {
  const base = {
    eventType: EVENT_TYPES.job,
    affectedObjectFriendlyName: after.targetObjectName,
    affectedObjectCorrelationId: after.targetObjectId,
    timeOfOccurrence: at,
    healthErrors: [],
    eventSpecificDetails: {
      instanceType: 'JobStatus', jobId: job.armId, jobFriendlyName: after.friendlyName, jobStatus: after.state, affectedObjectType: after.targetInstanceType,
    },
  };
  const raise = (eventCode: EventCode, severity: EventSeverity, description: string, recommendedAction?: string): ReplicationEventDraft => ({
    ...base, eventCode, severity, description, ...(recommendedAction ? { recommendedAction } : {}),
  });
  const drafts: ReplicationEventDraft[] = [];
  if (before.state === 'NotStarted' && after.state !== 'NotStarted') {
    drafts.push(raise('JobStarted', 'Info', `${after.friendlyName} started (job ${job.name})`));
  }
  const waitingBefore = new Set(suspendedTasks(before.tasks).map((t) => t.taskId));
  for (const task of suspendedTasks(after.tasks)) {
    if (waitingBefore.has(task.taskId)) continue;
    drafts.push(raise('JobSuspended', 'Warning', `${after.friendlyName} waits: ${task.friendlyName}: ${task.stateDescription}`, howToResume(job, task)));
  }
  drafts.push(...phaseEventsOf(before, after, { ...base, eventType: EVENT_TYPES.jobStep }));
  if (before.state !== after.state) {
    const error = after.errors[after.errors.length - 1]?.serviceErrorDetails;
    if (after.state === 'Succeeded') drafts.push(raise('JobSucceeded', 'Info', `${after.friendlyName} succeeded (job ${job.name})`));
    if (after.state === 'Failed') {
      drafts.push(raise('JobFailed', 'Critical', `${after.friendlyName} failed (job ${job.name})${error ? `: ${error.code}: ${error.message}` : ''}`,
        error?.recommendedAction || `Read the job's errors ('asr job show ${job.vaultKey.split('/').pop()} ${job.name}') and restart it when the cause is fixed`));
    }
    if (after.state === 'Cancelled') drafts.push(raise('JobCancelled', 'Warning', `${after.friendlyName} was cancelled (job ${job.name})`));
  }
  return drafts;
}
