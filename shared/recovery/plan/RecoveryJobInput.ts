import type { PlanSnapshot } from './PlanSnapshot';
import type { RecoveryPointChoice } from '../../replication/journal/RecoveryPointChoice';
import type { RecoveryScenario } from './RecoveryScenario';
import type { RecoveryStep } from './RecoveryStep';
import type { FailbackOptions } from './FailbackOptions';
import type { DrillJobOptions } from './DrillJobOptions';

/**
 * The orchestrator's input. Durable Functions keeps it in its history, in plain text in
 * storage: it must never hold a secret. The decryption key travels as `wrappedKey`, sealed to
 * the host's key-wrapping secret and bound to this job (see {@link KeyWrapper}).
 */
export interface RecoveryJobInput {
  vaultKey: string;
  /** The vault's ARM id (for resource ids in messages and runbook context). */
  vaultArmId: string;
  jobId: string;
  scenario: RecoveryScenario;
  direction: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  plan: PlanSnapshot;
  steps: RecoveryStep[];
  point: RecoveryPointChoice;
  /** Test failover: the isolated network the machines join. */
  testNetworkId?: string;
  sourceSiteOperations?: 'Required' | 'NotRequired';
  wrappedKey?: string;
  /** Cleanup and cancel: the job whose machines to remove (the test failover's, the failover's). */
  previousJobId?: string;
  /** Failback: ASR's HyperVReplicaAzureFailback input. */
  failback?: FailbackOptions;
  /** A test failover a drill started: its auto-approved manual actions and verification level. */
  drill?: DrillJobOptions;
  /** Seconds to wait for final logs (planned failover), by default for a manual action, and for one failback round. */
  timeouts: { finalLogSeconds: number; manualActionSeconds?: number; runbookSeconds: number; failbackRoundSeconds?: number };
  /** How often to look for the final logs, in seconds. */
  pollSeconds: number;
}
