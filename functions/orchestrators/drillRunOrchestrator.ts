import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { DrillActivityInput, DrillActivityName, DrillActivityOutput, DrillRunRef } from '../../shared/drills/DrillActivityMap';
import { DRILL_JOB_CHANGED_EVENT } from '../../shared/recovery/plan/DrillJobOptions';
import { activityRetry } from './recoverMachines';

/** Name of the orchestration that runs one drill (shared/drills' DRILL_RUN_ORCHESTRATION). */
export const DRILL_RUN = 'drillRun';

/**
 * One drill, start to end: test failover of the plan into the schedule's isolated network →
 * verification (the job's per-machine checks and probes) → the machines stay up for the
 * keep-up time (a durable timer: a host restart does not shorten or lengthen it) → cleanup job
 * → the result recorded with its event. An orchestrator rather than a state machine driven by
 * the scheduler's timer: the waits are durable timers in one place, each step's retries are
 * Durable's, and the run's history is the orchestration's. Deterministic: time only from
 * `currentUtcDateTime`, all I/O in activities.
 */
export const drillRunOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext): Generator<Task, string, any> {
  const ref = context.df.getInput<DrillRunRef>();
  const retry = activityRetry();
  function* call<N extends DrillActivityName>(name: N, input: DrillActivityInput<N>): Generator<Task, DrillActivityOutput<N>, any> {
    return (yield context.df.callActivityWithRetry(name, retry, input)) as DrillActivityOutput<N>;
  }
  const after = (seconds: number) => context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000));

  /**
   * Polls a job until `done`: after each look, waits for the poll timer or the job's
   * DRILL_JOB_CHANGED_EVENT (the test failover job raises it when it waits for its cleanup or
   * ends), whichever comes first, so the drill sees the job's state at once, not up to a poll
   * later. Past `deadline` (if any) the job is cancelled once.
   */
  function* follow(jobId: string, pollSeconds: number, done: (s: DrillActivityOutput<'drillJobStatus'>) => boolean, deadline?: Date): Generator<Task, DrillActivityOutput<'drillJobStatus'>, any> {
    let cancelled = false;
    let changed = context.df.waitForExternalEvent(DRILL_JOB_CHANGED_EVENT);
    for (;;) {
      const status = yield* call('drillJobStatus', { vaultKey: ref.vaultKey, jobId });
      if (done(status)) return status;
      if (deadline && !cancelled && context.df.currentUtcDateTime >= deadline) {
        yield* call('cancelDrillJob', { vaultKey: ref.vaultKey, jobId });
        cancelled = true;
      }
      const timer = after(pollSeconds);
      if ((yield context.df.Task.any([changed, timer])) === timer) continue;
      timer.cancel();
      changed = context.df.waitForExternalEvent(DRILL_JOB_CHANGED_EVENT);
    }
  }

  const begun = yield* call('beginDrill', ref);
  if (begun.kind === 'ended') return 'Ended';
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + begun.maxTestFailoverSeconds * 1000);
  yield* follow(begun.jobId, begun.pollSeconds, (s) => s.waitingForCleanup || s.ended, deadline);
  const verified = yield* call('verifyDrill', ref);
  if (verified.keepUp) yield after(begun.keepUpSeconds);
  const cleanup = yield* call('startDrillCleanup', ref);
  let cleanupState: string | undefined;
  if (cleanup.jobId) cleanupState = (yield* follow(cleanup.jobId, begun.pollSeconds, (s) => s.ended)).state;
  yield* call('finishDrill', { ...ref, ...(cleanupState ? { cleanupState } : {}) });
  return 'Finished';
};

df.app.orchestration(DRILL_RUN, drillRunOrchestrator);
