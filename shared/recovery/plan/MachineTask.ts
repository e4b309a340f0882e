import type { RecoveredMachineInfo } from '../../automation/policy/buildRecoveryPlanContext';
import type { AsrServiceErrorDetails } from './AsrJob';
import type { PlanItemRef } from './PlanSnapshot';
import type { RecoveryPointChoice } from '../../replication/journal/RecoveryPointChoice';
import type { RecoveryScenario } from './RecoveryScenario';
import type { MachineOperation } from './RecoveryStep';
import type { DrillVerification } from './DrillJobOptions';

/** Input of the per-machine activity (recoverMachine, settleMachine). Like every orchestration input: no secrets. */
export interface MachineTaskInput {
  vaultKey: string;
  jobId: string;
  scenario: RecoveryScenario;
  planName?: string;
  operation: MachineOperation;
  taskId: string;
  /** The group task: the machine reports beside the job under it (absent in older inputs: on the job itself). */
  groupTaskId?: string;
  item: PlanItemRef;
  point: RecoveryPointChoice;
  testNetworkId?: string;
  wrappedKey?: string;
  previousJobId?: string;
  /** Planned failover: the final log of each disk. */
  finals?: Record<string, { epoch: string; sequence: string }>;
  /** A drill's verification level: below `ApplicationProbes`, the item's application probes are not run. */
  probeLevel?: DrillVerification;
}

/** What a machine task reports to its group: never thrown, so one machine's failure does not hide the others'. */
export type MachineTaskResult =
  | { ok: true; machine?: RecoveredMachineInfo }
  | { ok: false; error: AsrServiceErrorDetails };
