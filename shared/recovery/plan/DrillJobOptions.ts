/** What a drill verifies: the disks (footer and digest), the boot (console ready line), or the items' application probes too. */
export const DRILL_VERIFICATION_LEVELS = ['Disks', 'Boot', 'ApplicationProbes'] as const;
export type DrillVerification = (typeof DRILL_VERIFICATION_LEVELS)[number];

/**
 * How a test failover started by a drill differs from one an operator starts (docs/drills.md):
 * the manual actions named here are approved by the drill itself, the others wait (up to the
 * job's manual-action timeout, the drill's deadline); machines are probed up to `verification`.
 * Plain data: it travels in the orchestration input.
 */
export interface DrillJobOptions {
  /** The drill run's id (the run document's name): a retried start finds the job it already began. */
  runId: string;
  scheduleName: string;
  /** Manual actions (by `actionName`, case-insensitive) the drill approves without waiting. */
  autoApprove: string[];
  verification: DrillVerification;
  /**
   * The drill's orchestration instance: the job tells it (the `notifyDrill` activity) when it
   * waits for its cleanup or ends, so the drill does not wait for its next poll. Absent in jobs
   * started before it existed: the drill's poll alone finds them.
   */
  instanceId?: string;
}

/** The event a drill's orchestration waits for beside its poll timer: the job it follows reached a state the drill waits for. */
export const DRILL_JOB_CHANGED_EVENT = 'DrillJobChanged';

/** True when a drill approves this manual action by itself. */
export function drillApproves(drill: DrillJobOptions | undefined, actionName: string): boolean {
  return !!drill && drill.autoApprove.some((a) => a.toLowerCase() === actionName.toLowerCase());
}
