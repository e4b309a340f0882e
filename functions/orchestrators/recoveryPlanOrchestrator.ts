import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from 'durable-functions';
import { actionDeadline, resolveActionTimeout, resolveRunbookOutcome } from '../../shared/automation/policy/actionTimeouts';
import type { RecoveredMachineInfo } from '../../shared/automation/policy/buildRecoveryPlanContext';
import type { RunbookCallbackEvent } from '../../shared/automation/runbookCallback';
import type { ActionResolution } from '../../shared/automation/policy/ActionTimeoutPolicy';
import { actionDetailsOf, actionPolicyOf } from '../../shared/recovery/plan/actionDetails';
import type { DrillActivityInput, DrillActivityName } from '../../shared/drills/DrillActivityMap';
import { drillApproves } from '../../shared/recovery/plan/DrillJobOptions';
import type { AsrServiceErrorDetails } from '../../shared/recovery/plan/AsrJob';
import type { JobEvent } from '../../shared/recovery/plan/JobEvent';
import { groupOutcome } from '../../shared/recovery/plan/groupOutcome';
import { jobFailureOf } from '../../shared/recovery/plan/jobFailureOf';
import type { ActivityInput, FinalLogs, RecordedJob, SteppedActivityName, SteppedValue } from '../../shared/recovery/plan/RecoveryActivityMap';
import { CANCELLED_ERROR, JobCancelled, RECOVERY_EVENTS, runbookEventName, StepFailed, type ResumeEvent } from '../../shared/recovery/plan/RecoveryEvents';
import type { RecoveryJobInput } from '../../shared/recovery/plan/RecoveryJobInput';
import { isFailover, rollsBackOnCancel } from '../../shared/recovery/plan/RecoveryScenario';
import type { RecoveryStep } from '../../shared/recovery/plan/RecoveryStep';
import type { ScenarioOutcome } from '../../shared/recovery/plan/allowedOperations';
import { actionRefusalOf } from '../../shared/automation/policy/actionApplicability';
import { runbookActionStart } from '../../shared/automation/policy/runbookActionStart';
import { scenarioTargetsOf } from '../../shared/recovery/plan/ScenarioTargets';
import { actionFailure, failbackRoundTimeout, finalLogTimeout } from '../../shared/recovery/plan/stepErrors';
import type { PlanItemRef } from '../../shared/recovery/plan/PlanSnapshot';
import { activityRetry, recoverMachines } from './recoverMachines';
import { recoveryActivityCalls } from './recoveryActivityCalls';

/** Name of the orchestration that runs a job (a plan's or an item's operation). */
export const RECOVERY_JOB = 'recoveryJob';

/**
 * Runs one recovery job: its steps in order (prerequisites, the source's shutdown, each group's
 * start actions, machines in parallel, end actions) and reports every step on the job. Waits -
 * manual actions, runbook callbacks, final logs, a test failover's cleanup - are durable: a
 * host that dies meanwhile picks the job up where it was. Deterministic: no I/O, no clock but
 * `currentUtcDateTime`, no randomness.
 */
export const recoveryPlanOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext): Generator<Task, string, any> {
  const input = context.df.getInput<RecoveryJobInput>();
  const activities = recoveryActivityCalls(context, activityRetry());
  const now = () => context.df.currentUtcDateTime;
  const at = () => now().toISOString();
  const targets = scenarioTargetsOf(input);
  const recovered: RecoveredMachineInfo[] = [];
  let finals: FinalLogs | undefined;

  function* record(events: JobEvent[], foldGroup?: string): Generator<Task, RecordedJob, any> {
    const r = yield* activities.call('recordJob', { vaultKey: input.vaultKey, jobId: input.jobId, events, ...(foldGroup ? { foldGroup } : {}) });
    if (r.cancelRequested) throw new JobCancelled();
    return r;
  }
  /** Runs an activity that reports expected failures as values: a failure fails its task and the job. */
  function* step<N extends SteppedActivityName>(name: N, activityInput: ActivityInput<N>, taskId: string): Generator<Task, SteppedValue<N>, any> {
    const out = yield* activities.call(name, activityInput);
    if (!out.ok) {
      yield* record([{ type: 'taskFailed', taskId, at: at(), error: out.error }]);
      throw new StepFailed(out.error, taskId);
    }
    return out.value;
  }
  function* fail(taskId: string, error: AsrServiceErrorDetails, customDetails?: Record<string, unknown>): Generator<Task, never, any> {
    yield* record([{ type: 'taskFailed', taskId, at: at(), error, ...(customDetails ? { customDetails } : {}) }]);
    throw new StepFailed(error, taskId);
  }
  function* finish(outcome: ScenarioOutcome): Generator<Task, void, any> {
    yield* activities.call('finishScenario', { jobId: input.jobId, targets, scenario: input.scenario, outcome, at: at() });
  }

  /** A drill's test failover tells the drill it waits for its cleanup or ended: best effort, the drill also polls. */
  function* tellDrill(): Generator<Task, void, any> {
    if (!input.drill?.instanceId) return;
    const name: DrillActivityName = 'notifyDrill';
    const notify: DrillActivityInput<'notifyDrill'> = { instanceId: input.drill.instanceId };
    try {
      yield context.df.callActivity(name, notify);
    } catch {
      // The drill's next poll finds the job.
    }
  }

  function* prerequisites(s: Extract<RecoveryStep, { kind: 'prerequisites' }>): Generator<Task, void, any> {
    yield* record([{ type: 'jobStarted', at: at() }, { type: 'taskStarted', taskId: s.taskId, at: at() }]);
    const summary = yield* step('checkPrerequisites', { vaultKey: input.vaultKey, jobId: input.jobId, items: input.plan.groups.flatMap((g) => g.items), needsDisks: isFailover(input.scenario) || input.scenario === 'Failback', wrappedKey: input.wrappedKey, scenario: input.scenario, testNetworkId: input.testNetworkId }, s.taskId);
    yield* record([{ type: 'taskSucceeded', taskId: s.taskId, at: at(), description: summary }]);
  }

  function* shutdown(s: Extract<RecoveryStep, { kind: 'shutdown' }>): Generator<Task, void, any> {
    yield* record([{ type: 'taskStarted', taskId: s.taskId, at: at(), description: 'Asking the source agents to shut down' }]);
    yield* activities.call('requestShutdown', { vaultKey: input.vaultKey, jobId: input.jobId, items: s.items, shipFinalLog: s.waitForFinalLog, at: at() });
    if (!s.waitForFinalLog) {
      yield* record([{ type: 'taskSucceeded', taskId: s.taskId, at: at(), description: 'Shutdown requested; not waiting, the source may be unreachable (unplanned failover)' }]);
      return;
    }
    const deadline = new Date(now().getTime() + input.timeouts.finalLogSeconds * 1000);
    let lastWaiting = '';
    for (;;) {
      const poll = yield* activities.call('pollFinalLogs', { vaultKey: input.vaultKey, jobId: input.jobId, items: s.items });
      if (poll.waiting.length === 0) { finals = poll.finals; break; }
      if (now() >= deadline) {
        yield* fail(s.taskId, finalLogTimeout(poll.waiting, input.timeouts.finalLogSeconds));
      }
      const waiting = `Waiting for the final logs of ${poll.waiting.join(', ')}`;
      if (waiting !== lastWaiting) { yield* record([{ type: 'taskProgress', taskId: s.taskId, description: waiting }]); lastWaiting = waiting; }
      else yield* record([]);
      yield context.df.createTimer(new Date(Math.min(deadline.getTime(), now().getTime() + input.pollSeconds * 1000)));
    }
    yield* activities.call('clearShutdownRequests', { vaultKey: input.vaultKey, jobId: input.jobId, items: s.items });
    yield* record([{ type: 'taskSucceeded', taskId: s.taskId, at: at(), description: 'Source shut down; final logs merged (no data loss)' }]);
  }

  /** Races an event against the cancel event and an optional timer. */
  function* waitFor(eventName: string, deadline: Date | undefined): Generator<Task, { kind: 'event'; value: unknown } | { kind: 'timeout' }, any> {
    const event = context.df.waitForExternalEvent(eventName);
    const cancel = context.df.waitForExternalEvent(RECOVERY_EVENTS.cancel);
    const timer: TimerTask | undefined = deadline ? context.df.createTimer(deadline) : undefined;
    const winner = yield context.df.Task.any(timer ? [event, cancel, timer] : [event, cancel]);
    if (timer && winner !== timer) timer.cancel();
    if (winner === cancel) throw new JobCancelled();
    if (timer && winner === timer) return { kind: 'timeout' };
    return { kind: 'event', value: event.result };
  }

  function* resolveAction(taskId: string, resolution: ActionResolution, extra: Record<string, unknown>): Generator<Task, void, any> {
    if (resolution.state === 'Succeeded') {
      yield* record([{ type: 'taskSucceeded', taskId, at: at(), customDetails: extra }]);
    } else if (resolution.state === 'TimedOutContinued') {
      yield* record([{ type: 'taskSkipped', taskId, at: at(), description: `Warning: ${resolution.errorMessage}` }]);
    } else {
      yield* fail(taskId, actionFailure(resolution), extra);
    }
  }

  function* action(s: Extract<RecoveryStep, { kind: 'action' }>): Generator<Task, void, any> {
    const details = actionDetailsOf(s.action);
    if (details.instanceType === 'ManualActionDetails') {
      const policy = actionPolicyOf(details, input.timeouts);
      const taskDetails = { instanceType: 'ManualActionTaskDetails', name: s.action.actionName, instructions: details.description ?? '', observation: '' };
      if (drillApproves(input.drill, s.action.actionName)) {
        const note = `Auto-approved by drill schedule '${input.drill!.scheduleName}' (run ${input.drill!.runId})`;
        yield* record([{ type: 'taskStarted', taskId: s.taskId, at: at() }, { type: 'taskSucceeded', taskId: s.taskId, at: at(), description: note, customDetails: { ...taskDetails, observation: note } }]);
        return;
      }
      yield* record([{
        type: 'taskSuspended', taskId: s.taskId, at: at(), description: `Waiting for the manual action: ${details.description ?? s.action.actionName}`,
        jobDescription: `Waiting for the manual action '${s.action.actionName}'; resume the job when it is done`, allowedActions: ['Resume'],
      }, { type: 'taskProgress', taskId: s.taskId, description: `Waiting for the manual action: ${details.description ?? s.action.actionName}`, customDetails: taskDetails }]);
      const r = yield* waitFor(RECOVERY_EVENTS.resume, actionDeadline(now(), policy));
      if (r.kind === 'timeout') return yield* resolveAction(s.taskId, resolveActionTimeout(s.action.actionName, policy), {});
      const resumed = (r.value ?? {}) as ResumeEvent;
      yield* record([{ type: 'jobResumed', at: at() }, { type: 'taskSucceeded', taskId: s.taskId, at: at(), description: `Resumed${resumed.comments ? `: ${resumed.comments}` : ''}`, customDetails: { ...taskDetails, observation: resumed.comments ?? '', ...(resumed.resumedBy ? { resumedBy: resumed.resumedBy } : {}) } }]);
      return;
    }
    const refusal = actionRefusalOf(s.action);
    if (refusal) return yield* fail(s.taskId, refusal);
    if (details.instanceType !== 'AutomationRunbookActionDetails') throw new Error(`action '${s.action.actionName}' has an unknown kind`);
    const eventName = runbookEventName(s.taskId);
    const { policy, request, taskDetails } = runbookActionStart({
      actionName: s.action.actionName, details,
      target: { vaultKey: input.vaultKey, planName: input.plan.targetName, jobId: input.jobId, taskId: s.taskId, instanceId: context.df.instanceId, eventName },
      // Only failovers run actions (planRecoverySteps); any other scenario would be told Unplanned, as before.
      failoverType: isFailover(input.scenario) ? input.scenario : 'UnplannedFailover', failoverDirection: input.direction,
      groupId: s.groupName, subscriptionId: input.vaultArmId.split('/')[2], machines: recovered,
      defaultRunbookTimeoutSeconds: input.timeouts.runbookSeconds, tokenGraceSeconds: 300,
    });
    yield* record([{ type: 'taskStarted', taskId: s.taskId, at: at(), description: `Running runbook ${taskDetails.runbookName}` }]);
    const started = yield* step('startRunbook', request, s.taskId);
    if (started.onTimeout) policy.onTimeout = started.onTimeout;
    yield* record([{ type: 'taskProgress', taskId: s.taskId, description: `Waiting for runbook ${taskDetails.runbookName} to call back`, customDetails: { ...taskDetails, jobId: started.tokenId } }]);
    const r = yield* waitFor(eventName, actionDeadline(now(), policy));
    if (r.kind === 'timeout') return yield* resolveAction(s.taskId, resolveActionTimeout(s.action.actionName, policy), {});
    const outcome = (r.value as RunbookCallbackEvent).outcome;
    yield* resolveAction(s.taskId, resolveRunbookOutcome(s.action.actionName, outcome), { jobOutput: outcome.output ?? '' });
  }

  function* group(s: Extract<RecoveryStep, { kind: 'group' }>): Generator<Task, void, any> {
    yield* record([{ type: 'taskStarted', taskId: s.taskId, at: at() }]);
    const results = yield* recoverMachines(context, s.machines.map((m) => ({
      vaultKey: input.vaultKey, jobId: input.jobId, scenario: input.scenario, planName: input.plan.targetType === 'RecoveryPlan' ? input.plan.targetName : undefined,
      operation: s.operation, taskId: m.taskId, groupTaskId: s.taskId, item: m.item, point: input.point, testNetworkId: input.testNetworkId,
      wrappedKey: input.wrappedKey, previousJobId: input.previousJobId, finals: finals?.[m.item.itemId],
      ...(input.drill ? { probeLevel: input.drill.verification } : {}),
    })));
    const outcome = groupOutcome(s.groupName, s.machines, results);
    recovered.push(...outcome.recovered);
    // The machines reported beside the job: their reports go into it now, with the group's end when it succeeded.
    if (outcome.cancelled || outcome.error) yield* activities.call('recordJob', { vaultKey: input.vaultKey, jobId: input.jobId, events: [], foldGroup: s.taskId });
    if (outcome.cancelled) throw new JobCancelled();
    if (outcome.error) yield* fail(s.taskId, outcome.error);
    yield* record([{ type: 'taskSucceeded', taskId: s.taskId, at: at(), description: `${s.machines.length} virtual machine(s) done` }], s.taskId);
  }

  /**
   * One failback phase of a group's machines, in parallel. Rounds ask the primary site's agent
   * and poll on a durable timer until every machine's delta is applied (the activity records
   * bytes shipped on each machine's task); shutdown and start are one activity per machine.
   */
  function* failbackPhase(s: Extract<RecoveryStep, { kind: 'failbackPhase' }>): Generator<Task, void, any> {
    yield* record([{ type: 'taskStarted', taskId: s.taskId, at: at() }]);
    const failback = input.failback ?? { dataSyncOption: 'ForSynchronization' as const, recoveryVmCreationOption: 'NoAction' as const };
    const inputOf = (m: { taskId: string; item: PlanItemRef }, first: boolean) => ({
      vaultKey: input.vaultKey, jobId: input.jobId, taskId: m.taskId, item: m.item, phase: s.phase, failback, wrappedKey: input.wrappedKey, first,
    });
    const failed: AsrServiceErrorDetails[] = [];
    if (s.phase === 'shutdown' || s.phase === 'start') {
      const outs = yield* activities.callAll('failbackMachineStep', s.machines.map((m) => inputOf(m, true)));
      outs.forEach((o) => { if (!o.ok) failed.push(o.error); });
    } else {
      const deadline = new Date(now().getTime() + (input.timeouts.failbackRoundSeconds ?? 3600) * 1000);
      let pending = s.machines;
      for (let first = true; pending.length > 0; first = false) {
        if (!first) yield context.df.createTimer(new Date(Math.min(deadline.getTime(), now().getTime() + input.pollSeconds * 1000)));
        const outs = yield* activities.callAll('failbackRound', pending.map((m) => inputOf(m, first)));
        const next: typeof pending = [];
        outs.forEach((o, i) => { if (!o.ok) failed.push(o.error); else if (!o.value.done) next.push(pending[i]); });
        if (failed.length > 0) break;
        pending = next;
        if (pending.length > 0 && now() >= deadline) {
          yield* fail(s.taskId, failbackRoundTimeout(pending.map((m) => m.item.name), input.timeouts.failbackRoundSeconds ?? 3600));
        }
      }
    }
    if (failed.some((e) => e.code === 'JobCancelled')) throw new JobCancelled();
    if (failed.length > 0) yield* fail(s.taskId, failed.length === 1 ? failed[0] : { ...failed[0], message: failed.map((e) => e.message).join('; ') });
    yield* record([{ type: 'taskSucceeded', taskId: s.taskId, at: at(), description: `${s.machines.length} virtual machine(s) done` }]);
  }

  function* waitForCleanup(s: Extract<RecoveryStep, { kind: 'waitForCleanup' }>): Generator<Task, void, any> {
    yield* finish('Succeeded');
    yield* record([{
      type: 'taskSuspended', taskId: s.taskId, at: at(), description: 'Test the recovered machines, then run the test failover cleanup',
      jobDescription: 'WaitingForStopTestFailover', allowedActions: [],
    }]);
    yield* tellDrill();
    const r = yield* waitFor(RECOVERY_EVENTS.cleanupStarted, undefined);
    const by = (r.kind === 'event' ? (r.value as { jobId?: string } | undefined)?.jobId : undefined) ?? 'the cleanup job';
    yield* record([{ type: 'jobResumed', at: at() }, { type: 'taskSucceeded', taskId: s.taskId, at: at(), description: `Testing completed; cleanup runs as ${by}` }]);
  }

  try {
    for (const s of input.steps) {
      switch (s.kind) {
        case 'prerequisites': yield* prerequisites(s); break;
        case 'shutdown': yield* shutdown(s); break;
        case 'action': yield* action(s); break;
        case 'group': yield* group(s); break;
        case 'failbackPhase': yield* failbackPhase(s); break;
        case 'waitForCleanup': yield* waitForCleanup(s); break;
      }
    }
    // The plan and items first, the job last: whoever sees the job end finds them ready for what comes next.
    if (input.scenario !== 'TestFailover') yield* finish('Succeeded');
    yield* record([{ type: 'jobSucceeded', at: at() }]);
    return 'Succeeded';
  } catch (err) {
    // Final reports go straight to the activity: `record` would throw again on a cancelled job.
    const report = (events: JobEvent[]) => activities.call('recordJob', { vaultKey: input.vaultKey, jobId: input.jobId, events });
    if (err instanceof JobCancelled) {
      if (rollsBackOnCancel(input.scenario)) {
        // Back to a protected item: no machine of this job stays, no shutdown request stays.
        yield* activities.call('rollBackFailover', { vaultKey: input.vaultKey, jobId: input.jobId, items: input.plan.groups.flatMap((g) => g.items) });
      }
      if (input.scenario === 'Failback') {
        // Back to a committed failover: the recovery site's machines run again, no failback request stays.
        yield* activities.call('rollBackFailback', { vaultKey: input.vaultKey, jobId: input.jobId, items: input.plan.groups.flatMap((g) => g.items) });
      }
      yield* finish('Cancelled');
      yield* report([{ type: 'jobCancelled', at: at(), error: CANCELLED_ERROR }]);
      yield* tellDrill();
      return 'Cancelled';
    }
    const failure = jobFailureOf(err);
    yield* finish('Failed');
    yield* report([{ type: 'jobFailed', at: at(), ...failure }]);
    yield* tellDrill();
    return 'Failed';
  }
};

df.app.orchestration(RECOVERY_JOB, recoveryPlanOrchestrator);
