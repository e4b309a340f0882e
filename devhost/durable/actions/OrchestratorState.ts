import { FailureDetails } from '../history/FailureDetails';
import { OrchestratorAction } from './OrchestratorAction';

/** The orchestrator's answer to one episode (`OrchestratorState`, schema V2+). */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  /** Set by durable-functions 3.x when the orchestrator failed on an uncaught TaskFailedError. */
  failureDetails?: FailureDetails;
}
