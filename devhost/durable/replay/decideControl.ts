import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType, OrchestrationStatusCode } from '../history/HistoryEventType';
import { toJsonText } from './actionMaterializers';
import { EpisodeCommand } from './EpisodeCommand';
import { RecordedEvent } from './RecordedEvent';

/** What a management operation (terminate, suspend, resume) records and does. */
export interface ControlDecision {
  appended: RecordedEvent[];
  commands: EpisodeCommand[];
  runtimeStatus: 'Terminated' | 'Suspended' | 'Running';
}

/** Terminating ends the execution without running the orchestrator; its output is the reason. */
export function decideTermination(reason: string, now: Date, meta?: RecordedEvent['meta']): ControlDecision {
  const output = toJsonText(reason);
  return {
    appended: [
      { event: historyEvent(HistoryEventType.ExecutionTerminated, now, { Input: output }), meta },
      { event: historyEvent(HistoryEventType.ExecutionCompleted, now, { OrchestrationStatus: OrchestrationStatusCode.Terminated, Result: output }) },
    ],
    commands: [{ kind: 'complete', status: 'Terminated', output, failure: { reason: `Instance terminated: ${reason}`, details: '' } }],
    runtimeStatus: 'Terminated',
  };
}

/** Suspending records the fact; events that arrive meanwhile wait in the instance's parking. */
export function decideSuspension(reason: string, now: Date, meta?: RecordedEvent['meta']): ControlDecision {
  return { appended: [{ event: historyEvent(HistoryEventType.ExecutionSuspended, now, { Reason: reason }), meta }], commands: [], runtimeStatus: 'Suspended' };
}

export function decideResumption(reason: string, now: Date, meta?: RecordedEvent['meta']): ControlDecision {
  return { appended: [{ event: historyEvent(HistoryEventType.ExecutionResumed, now, { Reason: reason }), meta }], commands: [], runtimeStatus: 'Running' };
}
