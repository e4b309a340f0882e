import type { DrillVerification } from '../recovery/plan/DrillJobOptions';
import type { DrillPoint } from './DrillSchedule';

export type DrillResult = 'Passed' | 'Failed' | 'Skipped' | 'Missed';
export type DrillTrigger = 'Timer' | 'Manual';
/** Where a run is: claimed (orchestration starting), in its test failover, kept up, cleaning up, done. */
export type DrillPhase = 'Claimed' | 'TestFailover' | 'KeepingUp' | 'CleaningUp' | 'Done';

/** One check of one recovered machine, as the fabric reported it (disks, console, application probes). */
export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a drill learnt about one machine of the plan. */
export interface DrillMachineResult {
  item: string;
  machineName?: string;
  /** The machine task's state in the test failover job. */
  state: string;
  /** The recovery point's time per disk (the newest), as the job recorded it. */
  recoveryPointTime?: string;
  checks: DrillCheck[];
  /** The application probes among the checks (`probe <name>`), by probe name. */
  probes: DrillCheck[];
}

/**
 * A drill run: what H15's reports summarise. Stored as a `drillRun` resource under its schedule
 * (one document per due time: its creation is the claim that makes the run happen once).
 */
export interface DrillRunProperties {
  planId: string;
  planName: string;
  scheduleId: string;
  scheduleName: string;
  trigger: DrillTrigger;
  /** The due time (timer) or the request time (manual). */
  dueTime: string;
  phase: DrillPhase;
  startTime?: string;
  endTime?: string;
  /** The Durable instance running it. */
  instanceId?: string;
  recoveryPoint: DrillPoint;
  verification: DrillVerification;
  /** What was actually verified: the fabric may not boot (local) or an item may have no probes. */
  verifiedLevel?: DrillVerification;
  keepUpSeconds: number;
  testFailoverJobId?: string;
  cleanupJobId?: string;
  /** Passed, Failed, Skipped (the plan was busy) or Missed (the host was down past the grace window); absent while running. */
  result?: DrillResult;
  reason?: string;
  machines: DrillMachineResult[];
  /** Failed checks, each naming the machine and the check or probe. */
  failures: { machine: string; check: string; detail: string }[];
  cleanupState?: string;
}

/** A run's name: timer runs sort by due time (`t-20261205T020000Z`), manual ones after a prefix of their own. */
export function timerRunName(due: Date): string {
  return `t-${compact(due)}`;
}

export function manualRunName(at: Date, suffix: string): string {
  return `m-${compact(at)}-${suffix}`;
}

function compact(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
