import type { PlanAction, PlanItemRef } from './PlanSnapshot';

/** What a machine task does to its machine. */
export type MachineOperation = 'recover' | 'cleanupTest' | 'commit' | 'cancelFailover';

/**
 * One step of a recovery job, in the order the orchestrator runs them. Each step has the id of
 * the job task that reports it.
 */
export type RecoveryStep =
  | { kind: 'prerequisites'; taskId: string }
  /** Ask the source agents to stop their VMs; `waitForFinalLog` = wait for their final logs to be merged (planned failover). */
  | { kind: 'shutdown'; taskId: string; items: PlanItemRef[]; waitForFinalLog: boolean }
  | { kind: 'action'; taskId: string; action: PlanAction; groupName: string; items: PlanItemRef[] }
  | { kind: 'group'; taskId: string; groupName: string; operation: MachineOperation; machines: { taskId: string; item: PlanItemRef }[] }
  /** Test failover: the job stays Suspended until the cleanup starts. */
  | { kind: 'waitForCleanup'; taskId: string };
