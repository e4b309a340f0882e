import type { RecoveredMachineInfo } from '../../automation/policy/buildRecoveryPlanContext';
import type { RunbookStarter, StartRunbookRequest } from '../../automation/RunbookStarter';
import type { DiskRef } from '../../contracts/DiskRef';
import type { MachineRef, MachineSpec, MaterializedDisk } from '../../fabric';
import type { MaterializeDiskRequest } from './MaterializeDiskRequest';
import type { ChosenPoints } from '../../replication/journal/choosePointSelectors';
import type { ScenarioOutcome } from './allowedOperations';
import type { AsrJobState } from './AsrJob';
import type { JobEvent } from './JobEvent';
import type { MachineTaskInput, MachineTaskResult } from './MachineTask';
import type { PlanItemRef } from './PlanSnapshot';
import type { RecoveryScenario } from './RecoveryScenario';
import type { ScenarioTargets } from './ScenarioTargets';
import type { StepOutcome } from './StepOutcome';
import type { FailbackOptions } from './FailbackOptions';
import type { FailbackPhase } from './RecoveryStep';

/** One machine's task in one failback phase. No secrets: the key travels sealed (`wrappedKey`). */
export interface FailbackTaskInput {
  vaultKey: string;
  jobId: string;
  taskId: string;
  item: PlanItemRef;
  phase: FailbackPhase;
  failback: FailbackOptions;
  wrappedKey?: string;
  /** `failbackRound`: the first call of a round starts the task and asks the agent for the round. */
  first?: boolean;
}

/** What a writer of job events learns back: the job's state and whether someone asked to cancel it. */
export interface RecordedJob {
  state: AsrJobState;
  cancelRequested: boolean;
}

/** Where one machine goes and from which disks, as `recoverMachine` works it out first. */
export interface MachinePlan {
  ref: MachineRef;
  spec: Omit<MachineSpec, 'disks'>;
  disks: DiskRef[];
  encrypted: boolean;
  /** The item's stored name of the recovered machine (without the test suffix). */
  recoveryName: string;
}

export interface MaterializeDiskInput {
  request: Omit<MaterializeDiskRequest, 'key'>;
  jobId: string;
  wrappedKey?: string;
}

/** The final log of each disk of each item (item id -> disk id -> log). */
export type FinalLogs = Record<string, Record<string, { epoch: string; sequence: string }>>;

/**
 * Every recovery activity: its name, what it takes and what it gives back. Orchestrators call
 * activities through this map (functions/orchestrators/recoveryActivityCalls.ts) and
 * functions/activities registers `createRecoveryActivities` against it, so a wrong name or a
 * wrong input shape is a compile error on either side. Inputs and outputs cross the task hub
 * as JSON: plain data only. Every input names its job (`jobId`): the step's
 * telemetry operation is the job's (functions/appStart.ts).
 */
export interface RecoveryActivityMap {
  /** `foldGroup`: that group's machine task reports go into the job first, in the same write (the group has ended). */
  recordJob: { input: { vaultKey: string; jobId: string; events: JobEvent[]; foldGroup?: string }; output: RecordedJob };
  /** `scenario` absent (older jobs) = no network check. */
  checkPrerequisites: {
    input: { vaultKey: string; jobId: string; items: PlanItemRef[]; needsDisks: boolean; wrappedKey?: string; scenario?: RecoveryScenario; testNetworkId?: string };
    output: StepOutcome<string>;
  };
  requestShutdown: { input: { vaultKey: string; jobId: string; items: PlanItemRef[]; shipFinalLog: boolean; at: string }; output: void };
  pollFinalLogs: { input: { vaultKey: string; jobId: string; items: PlanItemRef[] }; output: { finals: FinalLogs; waiting: string[] } };
  clearShutdownRequests: { input: { vaultKey: string; jobId: string; items: PlanItemRef[] }; output: void };
  /** One machine of a failover, whole: begin, its disks in parallel, bring-up (one hop through the task hub). */
  recoverMachine: { input: MachineTaskInput; output: MachineTaskResult };
  settleMachine: { input: MachineTaskInput; output: StepOutcome<string[]> };
  rollBackFailover: { input: { vaultKey: string; jobId: string; items: PlanItemRef[] }; output: string[] };
  startRunbook: { input: StartRunbookRequest; output: StepOutcome<Awaited<ReturnType<RunbookStarter['start']>>> };
  /** A sync or final round of one machine: started (first call) and moved on; done when the agent applied the delta. */
  failbackRound: { input: FailbackTaskInput; output: StepOutcome<{ done: boolean }> };
  /** Shutdown (the recovery site's machine) or start (the primary's) of one machine. */
  failbackMachineStep: { input: FailbackTaskInput; output: StepOutcome<string> };
  /** A cancelled failback job: the recovery site's machine runs again, the failback request is withdrawn. */
  rollBackFailback: { input: { vaultKey: string; jobId: string; items: PlanItemRef[] }; output: string[] };
  finishScenario: { input: { jobId: string; targets: ScenarioTargets; scenario: RecoveryScenario; outcome: ScenarioOutcome; at: string }; output: void };
}

export type RecoveryActivityName = keyof RecoveryActivityMap;
export type ActivityInput<N extends RecoveryActivityName> = RecoveryActivityMap[N]['input'];
export type ActivityOutput<N extends RecoveryActivityName> = RecoveryActivityMap[N]['output'];

/** The activities whose expected failures come back as a `StepOutcome` value, and the value of their success. */
export type SteppedActivityName = { [N in RecoveryActivityName]: ActivityOutput<N> extends StepOutcome<unknown> ? N : never }[RecoveryActivityName];
export type SteppedValue<N extends SteppedActivityName> = Extract<ActivityOutput<N>, { ok: true }>['value'];

/** What implements the activities: one function per name, typed by the map. */
export type RecoveryActivityHandlers = { [N in RecoveryActivityName]: (input: ActivityInput<N>) => Promise<ActivityOutput<N>> };
