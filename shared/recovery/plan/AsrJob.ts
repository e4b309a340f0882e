/** ASR's job and task states. */
export type AsrJobState = 'NotStarted' | 'InProgress' | 'Succeeded' | 'Failed' | 'Cancelled' | 'Suspended';
export type AsrTaskState = AsrJobState | 'Skipped';

/** `serviceErrorDetails` of an ASR job error. */
export interface AsrServiceErrorDetails {
  code: string;
  message: string;
  possibleCauses: string;
  recommendedAction: string;
}

export interface AsrJobError {
  serviceErrorDetails: AsrServiceErrorDetails;
  taskId?: string;
  creationTime: string;
}

/** One step of a job (`ASRTask`): a group, a machine or an action. */
export interface AsrTask {
  taskId: string;
  name: string;
  friendlyName: string;
  state: AsrTaskState;
  stateDescription: string;
  /** `GroupTask`, `VmTask`, `ManualActionTask`, `AutomationRunbookTask`, `PrerequisiteTask`, … */
  taskType: string;
  startTime?: string;
  endTime?: string;
  allowedActions: string[];
  customDetails?: Record<string, unknown>;
  groupTaskCustomDetails?: { instanceType: 'RecoveryPlanGroupTaskDetails'; groupId: string; rpGroupType: string; childTasks: AsrTask[] };
  errors: AsrJobError[];
}

/** The `properties` of an ASR job. */
export interface AsrJobProperties {
  activityId: string;
  scenarioName: string;
  friendlyName: string;
  state: AsrJobState;
  stateDescription: string;
  tasks: AsrTask[];
  errors: AsrJobError[];
  startTime: string;
  endTime?: string;
  allowedActions: string[];
  targetObjectId: string;
  targetObjectName: string;
  targetInstanceType: 'RecoveryPlan' | 'ProtectionEntity';
  customDetails: Record<string, unknown>;
}

export const FINISHED_JOB_STATES: readonly AsrJobState[] = ['Succeeded', 'Failed', 'Cancelled'];

/** Every task, children of group tasks included, in document order. */
export function allTasks(tasks: AsrTask[]): AsrTask[] {
  return tasks.flatMap((t) => [t, ...allTasks(t.groupTaskCustomDetails?.childTasks ?? [])]);
}
