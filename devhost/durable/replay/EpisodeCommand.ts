import { FailureDetails } from '../history/FailureDetails';
import { EntityRelease, EntityRequest } from '../entities/EntityRequest';

/** A side effect an episode asks the runtime to carry out. Payloads are JSON text. */
export type EpisodeCommand =
  | { kind: 'scheduleActivity'; taskId: number; name: string; input: string }
  | { kind: 'createTimer'; timerId: number; fireAt: string }
  | { kind: 'startSubOrchestration'; taskId: number; name: string; instanceId: string; input: string }
  | { kind: 'complete'; status: 'Completed' | 'Failed' | 'Terminated'; output: string; failure?: { reason: string; details: string; failureDetails?: FailureDetails } }
  | { kind: 'continueAsNew'; input: string }
  | { kind: 'sendEntityOperation'; entityInstanceId: string; request: EntityRequest }
  /** Gives a locked entity back (lock.release(), or the orchestration ended holding it). */
  | { kind: 'releaseEntity'; entityInstanceId: string; release: EntityRelease };
