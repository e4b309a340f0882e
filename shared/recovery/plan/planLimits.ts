/**
 * The largest recovery plan the service accepts (issue 17), in one place: the plan PUT/PATCH
 * validation refuses anything larger with a 400 naming the limit, and docs/recovery-plans.md
 * gives the measurement behind each number. ASR itself caps a plan at 100 machines and 7 Boot
 * groups; these are ours.
 */
export const PLAN_LIMITS = {
  /** Machines in one plan, over all its groups. */
  machinesPerPlan: 2000,
  /**
   * Machines in one group. A group's machines recover at once (the orchestration fans out over
   * them), so this is also the largest parallelism of a failover.
   */
  machinesPerGroup: 100,
  /** Boot groups in one plan (besides the one Shutdown and one Failover group). */
  bootGroupsPerPlan: 20,
  /** Start or end actions of one group. */
  actionsPerGroup: 10,
} as const;

/**
 * Machine tasks a job answer carries inline (GET job, the job list). A larger job answers the
 * first ones in order with counts by state, and the rest page through
 * `replicationJobs/{job}/tasks` (docs/api.md): 2,000 machine tasks are ~2.4 MB of JSON.
 */
export const JOB_TASKS_INLINE = 100;
