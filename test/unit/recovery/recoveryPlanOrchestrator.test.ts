import { recoveryPlanOrchestrator } from '../../../functions/orchestrators/recoveryPlanOrchestrator';
import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';
import type { PlanSnapshot } from '../../../shared/recovery/plan/PlanSnapshot';
import type { RecoveryJobInput } from '../../../shared/recovery/plan/RecoveryJobInput';
import { simulate, type ActivityWorld } from '../durable/replayHarness';

const plan: PlanSnapshot = {
  targetId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/replicationRecoveryPlans/p', targetName: 'p', targetType: 'RecoveryPlan',
  groups: [
    { groupType: 'Boot', items: [{ itemId: '/i/a', name: 'a' }, { itemId: '/i/b', name: 'b' }], startGroupActions: [], endGroupActions: [] },
    {
      groupType: 'Boot', items: [{ itemId: '/i/c', name: 'c' }],
      startGroupActions: [{ actionName: 'fw', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/fw', timeout: 'PT5M', fabricLocation: 'Recovery' } }],
      endGroupActions: [{ actionName: 'check', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'look' } }],
    },
  ],
};

function input(): RecoveryJobInput {
  const { steps } = planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery' });
  return {
    vaultKey: 's/r/v', vaultArmId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v', jobId: 'job1', scenario: 'UnplannedFailover',
    direction: 'PrimaryToRecovery', plan, steps, point: { kind: 'Latest' }, timeouts: { finalLogSeconds: 60, runbookSeconds: 3600 }, pollSeconds: 1,
  };
}

const ok = (value: unknown) => ({ ok: true, value });
const machine = (item: string) => ({ ok: true, machine: { item, resourceGroup: 'rg', machineName: `${item.split('/').pop()}-dr`, ips: ['10.0.0.9'], recoveryPointId: 'p', recoveryPointTime: 't' } });

function world(overrides: Partial<Record<string, (input: any) => unknown>> = {}): ActivityWorld {
  return (name, value: any) => {
    if (overrides[name]) return overrides[name]!(value);
    switch (name) {
      case 'recordJob': return { state: 'InProgress', cancelRequested: false };
      case 'checkPrerequisites': return ok('ready');
      case 'startRunbook': return ok({ tokenId: 't1', expiresAt: '2026-01-01T01:00:00Z' });
      case 'finishScenario': return null;
      case 'rollBackFailover': return [];
      case 'recoverMachine': return machine(value.item.itemId);
      default: throw new Error(`unexpected ${name}`);
    }
  };
}

/** The orchestrator through the pure replay driver and the real durable-functions library, with a simulated world. */
describe('recoveryJob orchestrator (replay simulation)', () => {
  it('runs groups in order, machines of a group together, the runbook between, the manual action after; marks the plan before the job ends', async () => {
    const r = await simulate(recoveryPlanOrchestrator, input(), world(), {
      externalEvents: [
        { atEpisode: 0, name: 'RunbookCompleted-g1-start0', value: { tokenId: 't1', task: 'g1-start0', outcome: { status: 'Succeeded', output: 'opened' }, receivedAt: 'x' } },
        { atEpisode: 0, name: 'Resume', value: { comments: 'looked' } },
      ],
    });
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Succeeded') });
    // Everything dispatched, in order: activities (but job records), one per machine.
    const work = r.decisions.flatMap((d) => d.commands).flatMap((c: any) => (
      c.kind === 'scheduleActivity' && c.name === 'recoverMachine' ? [`machine ${JSON.parse(c.input).item.name}`] : c.kind === 'scheduleActivity' && c.name !== 'recordJob' ? [c.name] : []));
    expect(work).toEqual(['checkPrerequisites', 'machine a', 'machine b', 'startRunbook', 'machine c', 'finishScenario']);
    // Group 1's two machines were dispatched in the same episode (in parallel).
    const episodesOf = (n: string) => r.decisions.findIndex((d) => d.commands.some((c: any) => c.kind === 'scheduleActivity' && c.name === 'recoverMachine' && JSON.parse(c.input).item.name === n));
    expect(episodesOf('a')).toBe(episodesOf('b'));
    // The runbook got the machines of group 1 in its context.
    const runbook = r.calls.find((c) => c.name === 'startRunbook')!.input as any;
    expect(Object.keys(runbook.context.VmMap)).toEqual(['/i/a', '/i/b']);
    expect(runbook.context).toMatchObject({ FailoverType: 'Unplanned', GroupId: 'Group2' });
    // Job events in order; the final job state comes after the plan is marked.
    const events = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events.map((e: any) => `${e.type}${e.taskId ? `:${e.taskId}` : ''}`));
    expect(events).toEqual([
      'jobStarted', 'taskStarted:prereq', 'taskSucceeded:prereq', 'taskStarted:g0', 'taskSucceeded:g0',
      'taskStarted:g1-start0', 'taskProgress:g1-start0', 'taskSucceeded:g1-start0', 'taskStarted:g1', 'taskSucceeded:g1',
      'taskSuspended:g1-end0', 'taskProgress:g1-end0', 'jobResumed', 'taskSucceeded:g1-end0', 'jobSucceeded',
    ]);
    const lastFinish = r.calls.findIndex((c) => c.name === 'finishScenario');
    const lastRecord = r.calls.length - 1;
    expect(lastFinish).toBeLessThan(lastRecord);
  });

  it('in a drill, a manual action the schedule auto-approves completes without waiting, and machines get the drill\'s probe level', async () => {
    const drill = { ...input(), drill: { runId: 't-20261205T020000Z', scheduleName: 'nightly', autoApprove: ['CHECK'], verification: 'Boot' as const } };
    const r = await simulate(recoveryPlanOrchestrator, drill, world(), {
      externalEvents: [{ atEpisode: 0, name: 'RunbookCompleted-g1-start0', value: { tokenId: 't1', task: 'g1-start0', outcome: { status: 'Succeeded' }, receivedAt: 'x' } }],
    });
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Succeeded') });
    const events = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events);
    expect(events.some((e: any) => e.type === 'taskSuspended')).toBe(false);
    expect(events.find((e: any) => e.type === 'taskSucceeded' && e.taskId === 'g1-end0')).toMatchObject({
      description: "Auto-approved by drill schedule 'nightly' (run t-20261205T020000Z)", customDetails: { instanceType: 'ManualActionTaskDetails', name: 'check' },
    });
    const subs = r.decisions.flatMap((d) => d.commands).filter((c: any) => c.kind === 'scheduleActivity' && c.name === 'recoverMachine').map((c: any) => JSON.parse(c.input));
    expect(subs.map((m) => m.probeLevel)).toEqual(['Boot', 'Boot', 'Boot']);
  });

  it('a drill\'s test failover tells the drill (notifyDrill, its instance) when it waits for its cleanup, and when it fails', async () => {
    const { steps } = planRecoverySteps(plan, 'TestFailover', { direction: 'PrimaryToRecovery' });
    const drill = { ...input(), scenario: 'TestFailover' as const, steps, testNetworkId: 'iso', drill: { runId: 't-1', scheduleName: 'nightly', autoApprove: [], verification: 'Boot' as const, instanceId: 'drill-abc' } };
    const notified = (r: Awaited<ReturnType<typeof simulate>>) => r.calls.flatMap((c, i) => (c.name === 'notifyDrill' ? [{ i, input: c.input }] : []));
    const waiting = await simulate(recoveryPlanOrchestrator, drill, world({ notifyDrill: () => true }), {
      externalEvents: [{ atEpisode: 0, name: 'TestFailoverCleanupStarted', value: { jobId: 'cleanup-1' } }],
    });
    expect(waiting.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Succeeded') });
    const once = notified(waiting);
    expect(once.map((n) => n.input)).toEqual([{ instanceId: 'drill-abc' }]);
    // Right after the job recorded that it waits for its cleanup: the state the drill waits for is there when it looks.
    expect((waiting.calls[once[0].i - 1].input as any).events[0]).toMatchObject({ type: 'taskSuspended', jobDescription: 'WaitingForStopTestFailover' });

    const failing = await simulate(recoveryPlanOrchestrator, drill, world({ checkPrerequisites: () => ({ ok: false, error: { code: 'X', message: 'no' } }), notifyDrill: () => true }));
    expect(failing.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Failed') });
    expect(failing.calls.map((c) => c.name).slice(-2)).toEqual(['recordJob', 'notifyDrill']);
    // A job of no drill (or one started before drills were told) tells nobody.
    const plain = await simulate(recoveryPlanOrchestrator, { ...drill, drill: { ...drill.drill, instanceId: undefined } }, world(), {
      externalEvents: [{ atEpisode: 0, name: 'TestFailoverCleanupStarted', value: {} }],
    });
    expect(notified(plain)).toEqual([]);
  });

  it('a runbook that does not call back loses to the durable timer and fails the job', async () => {
    const r = await simulate(recoveryPlanOrchestrator, input(), world());
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Failed') });
    const failed = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events).find((e: any) => e.type === 'jobFailed');
    expect(failed).toMatchObject({ taskId: 'g1-start0', error: { code: 'ActionTimedOut' } });
    expect(r.decisions.flatMap((d) => d.commands).filter((c: any) => c.kind === 'scheduleActivity' && c.name === 'recoverMachine')).toHaveLength(2);
    expect(r.calls.find((c) => c.name === 'finishScenario')!.input).toMatchObject({ outcome: 'Failed' });
  });

  it('one failed machine fails its group after all of the group\'s machines report, naming each failure', async () => {
    const r = await simulate(recoveryPlanOrchestrator, input(), world({
      recoverMachine: (v) => (v.item.name === 'b' ? { ok: false, error: { code: 'MachineStartFailed', message: 'b would not start', possibleCauses: 'x', recommendedAction: 'y' } } : machine(v.item.itemId)),
    }));
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Failed') });
    const events = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events);
    expect(events.find((e: any) => e.type === 'taskFailed' && e.taskId === 'g0')).toMatchObject({
      error: { code: 'MachineStartFailed', message: '1 of 2 virtual machines of Group 1 failed: b: b would not start' },
    });
    expect(r.calls.some((c) => c.name === 'startRunbook')).toBe(false);
  });

  it('a cancel request seen at a job update rolls the failover back, ends the job Cancelled and frees the plan', async () => {
    let n = 0;
    const r = await simulate(recoveryPlanOrchestrator, input(), world({ recordJob: () => ({ state: 'InProgress', cancelRequested: ++n > 3 }) }));
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Cancelled') });
    const names = r.calls.map((c) => c.name).filter((x) => x !== 'recordJob');
    expect(names.slice(-2)).toEqual(['rollBackFailover', 'finishScenario']);
    expect(r.calls.find((c) => c.name === 'rollBackFailover')!.input).toMatchObject({ jobId: 'job1', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    const last = r.calls[r.calls.length - 1];
    expect(last.input).toMatchObject({ events: [{ type: 'jobCancelled', error: { code: 'JobCancelled' } }] });
    expect(r.calls.find((c) => c.name === 'finishScenario')!.input).toMatchObject({ outcome: 'Cancelled' });
  });
});
