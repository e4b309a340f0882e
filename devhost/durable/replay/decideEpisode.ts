import { ActionType } from '../actions/ActionType';
import { flattenActions, openCriticalSection, taskIdLeaves } from '../actions/OrchestratorAction';
import { OrchestratorState } from '../actions/OrchestratorState';
import { FailureDetails, hostFailureDetails } from '../history/FailureDetails';
import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType, OrchestrationStatusCode } from '../history/HistoryEventType';
import { actionMaterializers, preEncodedInput, scheduledEventOf, subOrchestrationInstanceId, toJsonText } from './actionMaterializers';
import { entityInstanceId } from '../entities/EntityRequest';
import { EpisodeCommand } from './EpisodeCommand';
import { readExecutionBook } from './ExecutionBook';
import { RecordedEvent } from './RecordedEvent';
import { hasAttemptLeft, retryDelayMs } from './RetryPolicy';

/** What the orchestrator answered for one episode. */
export interface OrchestratorOutcome {
  state: OrchestratorState;
  /** Set when user code threw: the message the instance fails with. */
  failure?: string;
  /** The failure as the parent of a sub-orchestration sees it (TaskFailedError.failureDetails). */
  failureDetails?: FailureDetails;
}

export interface EpisodeInput {
  instanceId: string;
  /** History recorded by earlier episodes of this execution. */
  past: RecordedEvent[];
  /** This episode's new events, as prepareEpisode ordered them (OrchestratorStarted first). */
  accepted: RecordedEvent[];
  outcome: OrchestratorOutcome;
}

export interface EpisodeDecision {
  /** Events to append to the history, in order. */
  appended: RecordedEvent[];
  commands: EpisodeCommand[];
  runtimeStatus: 'Running' | 'Completed' | 'Failed' | 'ContinuedAsNew';
  /** JSON text of the custom status, when the orchestrator set one. */
  customStatus?: string;
}

/**
 * The replay driver: pure. Given the recorded history, this episode's new events and the
 * orchestrator's cumulative actions, decide what to record and what to do. Task ids are handed
 * out exactly as the library hands them out: retry timers and re-attempts first (prepareEpisode
 * put their trigger events first), then every action the history does not hold yet, in yield
 * order.
 */
export function decideEpisode(input: EpisodeInput): EpisodeDecision {
  const { instanceId, past, accepted, outcome } = input;
  const now = new Date(accepted[0].event.Timestamp);
  const book = readExecutionBook(past);
  const appended: RecordedEvent[] = [...accepted];
  const work: EpisodeCommand[] = [];
  let next = book.nextId;

  for (const { event } of accepted) {
    const id = event.EventType === HistoryEventType.TimerFired ? event.TimerId : event.TaskScheduledId;
    const role = id === undefined ? undefined : book.retryRole.get(id);
    if (!role) continue;
    const group = book.groups.get(role.group)!;
    const failed = event.EventType === HistoryEventType.TaskFailed || event.EventType === HistoryEventType.SubOrchestrationInstanceFailed;
    if (role.role === 'attempt' && failed) {
      const timerId = next++;
      const fireAt = new Date(now.getTime() + retryDelayMs(group.options, role.attempt)).toISOString();
      appended.push({ event: historyEvent(HistoryEventType.TimerCreated, now, { EventId: timerId, FireAt: fireAt }), meta: { retry: { group: role.group, attempt: role.attempt, role: 'timer' } } });
      work.push({ kind: 'createTimer', timerId, fireAt });
    } else if (role.role === 'timer' && event.EventType === HistoryEventType.TimerFired && hasAttemptLeft(group.options, role.attempt)) {
      const taskId = next++;
      const attempt = role.attempt + 1;
      const again = { ...group.first, EventId: taskId, Timestamp: now.toISOString(), IsPlayed: false };
      if (again.EventType === HistoryEventType.SubOrchestrationInstanceCreated) {
        const auto = group.first.InstanceId === subOrchestrationInstanceId(instanceId, group.first.EventId);
        if (auto) again.InstanceId = subOrchestrationInstanceId(instanceId, taskId);
        work.push({ kind: 'startSubOrchestration', taskId, name: again.Name!, instanceId: again.InstanceId!, input: again.Input ?? 'null' });
      } else {
        work.push({ kind: 'scheduleActivity', taskId, name: again.Name!, input: again.Input ?? 'null' });
      }
      appended.push({ event: again, meta: { retry: { group: role.group, attempt, role: 'attempt' } } });
    }
  }

  const all = flattenActions(outcome.state.actions.flat());
  const leaves = taskIdLeaves(outcome.state.actions.flat());
  // A failed orchestrator's last actions are still recorded (as the Durable extension does),
  // but no work is dispatched for an instance that is over.
  let failure = outcome.failure;
  let broken = false;
  for (let i = 0; i < leaves.length && !broken; i++) {
    const leaf = leaves[i];
    if (i < book.primaryIds.length) {
      const recorded = book.scheduled.get(book.primaryIds[i])!;
      if (scheduledEventOf[leaf.actionType] !== recorded.EventType || (leaf.functionName !== undefined && leaf.functionName !== recorded.Name)) {
        broken = true;
        failure = `Non-deterministic workflow detected: task ${recorded.EventId} was ${HistoryEventType[recorded.EventType]} ${recorded.Name ?? ''} in history, but the orchestrator now yields ${ActionType[leaf.actionType]} ${leaf.functionName ?? ''}.`;
      }
      continue;
    }
    const materialize = actionMaterializers[leaf.actionType];
    if (!materialize) {
      broken = true;
      failure = `The orchestrator used ${ActionType[leaf.actionType]}, which funclocal does not support (supported: activities, sub-orchestrations, timers, external events, callHttp, entity calls, signals and locks, continue-as-new).`;
      break;
    }
    const m = materialize(leaf, next++, { instanceId, now });
    appended.push(m.recorded);
    if (m.command) work.push(m.command);
  }

  const customStatus = outcome.state.customStatus === undefined ? undefined : toJsonText(outcome.state.customStatus);
  const close = (status: OrchestrationStatusCode, result: string) =>
    appended.push({ event: historyEvent(HistoryEventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: result }) });
  const finish = (d: Omit<EpisodeDecision, 'appended' | 'customStatus'>): EpisodeDecision => {
    appended.push({ event: historyEvent(HistoryEventType.OrchestratorCompleted, now) });
    return { appended, customStatus, ...d };
  };

  // An orchestration that ends inside a critical section gives its locks back (the extension's
  // TaskOrchestrationShim calls ReleaseLocks when the orchestrator function returns or throws).
  const open = openCriticalSection(leaves);
  const releases: EpisodeCommand[] = (open?.lockSet ?? []).map((e) => ({
    kind: 'releaseEntity', entityInstanceId: entityInstanceId(e.name, e.key), release: { parent: instanceId, id: open?.lockRequestId ?? '' },
  }));

  if (failure !== undefined) {
    close(OrchestrationStatusCode.Failed, failure);
    return finish({ runtimeStatus: 'Failed', commands: [...releases, { kind: 'complete', status: 'Failed', output: toJsonText(failure), failure: { reason: failure, details: '', failureDetails: outcome.failure === failure && outcome.failureDetails ? outcome.failureDetails : hostFailureDetails('Error', failure) } }] });
  }
  // Signals are fire-and-forget: they leave even when the orchestration ends in this episode.
  const signals = [...work.filter((c) => c.kind === 'sendEntityOperation' || c.kind === 'releaseEntity'), ...releases];
  if (outcome.state.isDone) {
    const again = all.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (again) {
      const next = preEncodedInput(again.input);
      close(OrchestrationStatusCode.ContinuedAsNew, next);
      return finish({ runtimeStatus: 'ContinuedAsNew', commands: [...signals, { kind: 'continueAsNew', input: next }] });
    }
    const output = toJsonText(outcome.state.output);
    close(OrchestrationStatusCode.Completed, output);
    return finish({ runtimeStatus: 'Completed', commands: [...signals, { kind: 'complete', status: 'Completed', output }] });
  }
  return finish({ runtimeStatus: 'Running', commands: work });
}
