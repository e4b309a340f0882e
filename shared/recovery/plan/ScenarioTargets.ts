import type { RecoveryJobInput } from './RecoveryJobInput';

/** The plan (absent for a per-item operation) and the items a scenario works on. */
export interface ScenarioTargets {
  vaultKey: string;
  planId?: string;
  itemIds: string[];
  /**
   * `finish` only: the job's ARM id. A plan or item whose current scenario is another job's is
   * left alone (a test failover ending after its cleanup started must not undo the cleanup's marks).
   */
  jobId?: string;
}

/** What a job's scenario marks: its plan (a per-item job has none), every item of the plan, and the job's ARM id. */
export function scenarioTargetsOf(input: Pick<RecoveryJobInput, 'vaultKey' | 'vaultArmId' | 'jobId' | 'plan'>): ScenarioTargets {
  return {
    vaultKey: input.vaultKey,
    planId: input.plan.targetType === 'RecoveryPlan' ? input.plan.targetId : undefined,
    itemIds: input.plan.groups.flatMap((g) => g.items.map((i) => i.itemId)),
    jobId: `${input.vaultArmId}/replicationJobs/${input.jobId}`,
  };
}
