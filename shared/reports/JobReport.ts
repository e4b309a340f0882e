import type { ProbeResult } from '../contracts/ApplicationProbe';

/**
 * What a failover, failback or test failover job proved, as plain JSON (docs/reports.md). Built
 * from the stored job alone (its tasks and the plan snapshot it started with), so a report can be
 * made at any time while the job is kept, and a drill run is rendered from its test failover job
 * plus the drill record (`drill`).
 */
export interface JobReport {
  reportVersion: 1;
  generatedAt: string;
  job: {
    id: string;
    name: string;
    scenario: string;
    friendlyName: string;
    state: string;
    stateDescription: string;
    startTime: string;
    endTime?: string;
  };
  target: { type: string; id: string; name: string };
  /** Passed: every machine came up (and passed its probes) and no step failed; InProgress: not decided yet. */
  outcome: 'Passed' | 'Failed' | 'InProgress';
  point: {
    /** What was asked for: `Latest`, `LatestProcessed`, a point id, a time. */
    requested: string;
    /** The oldest point any recovered disk came from (the plan's data loss is measured to it). */
    time?: string;
  };
  /** Request (job start) → last machine up, and → last probe passed when probes ran. */
  rto: { requestedAt: string; lastMachineUpAt?: string; lastProbePassedAt?: string; seconds?: number; measuredTo?: 'lastProbePassed' | 'lastMachineUp' };
  machines: MachineReport[];
  steps: StepReport[];
  approvals: ApprovalReport[];
  errors: ErrorReport[];
  /** Set when the job ran as a drill: what the drill record adds (H15-drills' record). */
  drill?: DrillContext;
}

export interface MachineReport {
  taskId: string;
  item: string;
  itemId?: string;
  machineName?: string;
  state: string;
  startTime?: string;
  /** When the machine was running and had passed the fabric's checks. */
  upAt?: string;
  ipAddresses: string[];
  /** Oldest point time of its disks. */
  pointTime?: string;
  /** RPO achieved: request time − point time (the writes this recovery did not bring back). */
  rpoSeconds?: number;
  disks: { name: string; pointTime?: string }[];
  probes: ProbeReport[];
}

/** One probe's outcome as the fabric recorded it on the machine task. */
export type ProbeReport = ProbeResult;

export interface StepReport {
  taskId: string;
  name: string;
  taskType: string;
  /** The group task it belongs to, if any. */
  parent?: string;
  state: string;
  description: string;
  startTime?: string;
  endTime?: string;
  durationSeconds?: number;
}

export interface ApprovalReport {
  taskId: string;
  action: string;
  instructions: string;
  state: string;
  /** The operator's comments on resume. */
  comment: string;
  /** Who resumed the job (the caller's identity), when known. */
  approvedBy?: string;
  at?: string;
}

export interface ErrorReport {
  taskId?: string;
  code: string;
  message: string;
  possibleCauses: string;
  recommendedAction: string;
  at: string;
}

/** The drill record's fields a report shows (the drill feature owns the record; shared/arm maps it). */
export interface DrillContext {
  id: string;
  scheduleName?: string;
  trigger?: string;
  dueTime?: string;
  /** When the drill was done (after its keep-up and cleanup). */
  endTime?: string;
  /** Passed, Failed, Skipped or Missed; absent while the drill runs. */
  result?: string;
  reason?: string;
  /** What was asked for and what was actually proven (Disks, Boot, ApplicationProbes). */
  verification?: string;
  verifiedLevel?: string;
  keepUpSeconds?: number;
  cleanupJobId?: string;
  cleanupState?: string;
  /** Every check of every machine as the drill judged it (disks, console, probes). */
  checks: { machine: string; check: string; ok: boolean; detail: string }[];
}
