import type { PlanAction, PlanItemRef } from './PlanSnapshot';

/**
 * What a machine task does to its machine. The failback cycle's: `commitFailback` (the primary
 * runs; withdraw the failback request), `cancelFailback` (start the recovery site's machine
 * again), `reprotect` (a new forward epoch from the shared disk; the recovery site's machine goes).
 */
export type MachineOperation = 'recover' | 'cleanupTest' | 'commit' | 'cancelFailover' | 'commitFailback' | 'cancelFailback' | 'reprotect' | 'reverseReprotect';

/**
 * The phases of a failback, each a job task per group with a child task per machine:
 * `sync` ships the blocks that differ while the recovered machine still runs (ForSynchronization
 * only), `shutdown` stops the machine in the recovery site, `finalSync` ships what differs after
 * that (no writes can follow), `start` starts the primary machine.
 */
export type FailbackPhase = 'sync' | 'shutdown' | 'finalSync' | 'start';

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
  /** One phase of a failback for the machines of a group (in parallel). */
  | { kind: 'failbackPhase'; taskId: string; groupName: string; phase: FailbackPhase; machines: { taskId: string; item: PlanItemRef }[] }
  /** Test failover: the job stays Suspended until the cleanup starts. */
  | { kind: 'waitForCleanup'; taskId: string };
