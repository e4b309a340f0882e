import { drillRunOrchestrator } from '../../../functions/orchestrators/drillRunOrchestrator';
import { DRILL_JOB_CHANGED_EVENT } from '../../../shared/recovery/plan/DrillJobOptions';
import { shape, simulate, type ActivityWorld } from '../durable/replayHarness';

const ref = { vaultKey: 's/r/v', runId: 'replicationrecoveryplans|p|drillschedules|n|drillruns|t-1' };

function world(statuses: { state: string; waitingForCleanup: boolean; ended: boolean }[], verified = { keepUp: true }): ActivityWorld {
  let n = 0;
  return (name) => {
    switch (name) {
      case 'beginDrill': return { kind: 'started', jobId: 'tfo', keepUpSeconds: 600, pollSeconds: 5, maxTestFailoverSeconds: 3600 };
      case 'drillJobStatus': return statuses[Math.min(n++, statuses.length - 1)];
      case 'verifyDrill': return verified;
      case 'startDrillCleanup': return { jobId: 'cleanup' };
      case 'finishDrill': return null;
      case 'cancelDrillJob': return null;
      default: throw new Error(`unexpected ${name}`);
    }
  };
}

/** The drill orchestrator through the replay driver: its steps, durable timers and the cleanup outcome it records. */
describe('drillRun orchestrator (replay simulation)', () => {
  it('test failover, polled until it waits for cleanup; verification; the keep-up timer; cleanup polled to its end; the result recorded', async () => {
    const r = await simulate(drillRunOrchestrator, ref, world([
      { state: 'InProgress', waitingForCleanup: false, ended: false },
      { state: 'Suspended', waitingForCleanup: true, ended: false },
      { state: 'InProgress', waitingForCleanup: false, ended: false },
      { state: 'Succeeded', waitingForCleanup: false, ended: true },
    ]));
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Finished') });
    expect(r.calls.map((c) => c.name)).toEqual(['beginDrill', 'drillJobStatus', 'drillJobStatus', 'verifyDrill', 'startDrillCleanup', 'drillJobStatus', 'drillJobStatus', 'finishDrill']);
    expect(r.calls[r.calls.length - 1].input).toEqual({ ...ref, cleanupState: 'Succeeded' });
    const timers = r.decisions.flatMap((d) => d.commands).filter((c: any) => c.kind === 'createTimer');
    expect(timers).toHaveLength(3); // one poll of the test failover, the keep-up, one poll of the cleanup
  });

  it('a failed verification is not kept up; a drill that began nothing ends at once', async () => {
    const r = await simulate(drillRunOrchestrator, ref, world([{ state: 'Failed', waitingForCleanup: false, ended: true }], { keepUp: false }));
    expect(r.decisions.flatMap((d) => d.commands).filter((c: any) => c.kind === 'createTimer')).toHaveLength(0);
    const ended = await simulate(drillRunOrchestrator, ref, (name) => (name === 'beginDrill' ? { kind: 'ended' } : (() => { throw new Error(name); })()));
    expect(ended.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Ended') });
    expect(ended.calls.map((c) => c.name)).toEqual(['beginDrill']);
  });

  it('the job\'s DrillJobChanged event ends the wait at once: the drill looks again and verifies without waiting for its poll timer', async () => {
    const r = await simulate(drillRunOrchestrator, ref, world([
      { state: 'InProgress', waitingForCleanup: false, ended: false },
      { state: 'Suspended', waitingForCleanup: true, ended: false },
      { state: 'Succeeded', waitingForCleanup: false, ended: true },
    ], { keepUp: false }), { externalEvents: [{ atEpisode: 3, name: DRILL_JOB_CHANGED_EVENT, value: {} }] });
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Finished') });
    expect(r.calls.map((c) => c.name)).toEqual(['beginDrill', 'drillJobStatus', 'drillJobStatus', 'verifyDrill', 'startDrillCleanup', 'drillJobStatus', 'finishDrill']);
    const events = shape(r.history);
    const verified = events.indexOf('TaskScheduled#4'); // beginDrill #0, status #1, poll timer #2, status #3, verifyDrill #4
    expect(events.slice(0, verified)).toContain('EventRaised');
    expect(events.slice(0, verified).some((e) => e.startsWith('TimerFired'))).toBe(false);
  });
});
