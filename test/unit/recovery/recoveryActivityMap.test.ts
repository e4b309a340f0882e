import type { RecoveryActivityCalls } from '../../../functions/orchestrators/recoveryActivityCalls';
import { recoverMachineOrchestrator } from '../../../functions/orchestrators/recoverMachineOrchestrator';
import { recoveryPlanOrchestrator } from '../../../functions/orchestrators/recoveryPlanOrchestrator';
import type { MachineTaskInput } from '../../../shared/recovery/plan/MachineTask';
import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';
import type { PlanSnapshot } from '../../../shared/recovery/plan/PlanSnapshot';
import type { RecoveryActivityHandlers } from '../../../shared/recovery/plan/RecoveryActivityMap';
import type { RecoveryJobInput } from '../../../shared/recovery/plan/RecoveryJobInput';
import { simulate } from '../durable/replayHarness';

/**
 * Never run: tsc -p tsconfig.test.json checks it. Each `@ts-expect-error` fails the typecheck
 * when the line below it compiles, i.e. when the activity map stops catching the mistake.
 */
export function* misuses(activities: RecoveryActivityCalls): Generator<unknown, void, unknown> {
  // @ts-expect-error recordJob takes { vaultKey, jobId, events }: a missing field is a compile error
  yield* activities.call('recordJob', { vaultKey: 'v', jobId: 'j' });
  // @ts-expect-error an input of another activity's shape is a compile error
  yield* activities.call('materializeDisk', { vaultKey: 'v', items: [] });
  // @ts-expect-error a name the map does not hold is a compile error
  yield* activities.call('recordJobs', { vaultKey: 'v', jobId: 'j', events: [] });
  const poll = yield* activities.call('pollFinalLogs', { vaultKey: 'v', jobId: 'j', items: [] });
  // @ts-expect-error the output is typed by the map too: `waiting` is string[]
  const count: number = poll.waiting;
  void count;
}

/** An implementation whose input disagrees with the map does not register. */
export const wrongHandler: Pick<RecoveryActivityHandlers, 'recordJob'> = {
  // @ts-expect-error events are JobEvents, not strings
  async recordJob(input: { vaultKey: string; jobId: string; events: string[] }) { return { state: 'InProgress', cancelRequested: input.events.length > 0 }; },
};

const task: MachineTaskInput = {
  vaultKey: 's/r/v', jobId: 'job1', scenario: 'UnplannedFailover', operation: 'recover', taskId: 'g0-vm0',
  item: { itemId: '/i/a', name: 'a' }, point: { kind: 'Latest' }, wrappedKey: 'sealed',
};
const ok = (value: unknown) => ({ ok: true, value });
const plan = {
  ref: { resourceGroup: 'rg', name: 'a' }, recoveryName: 'a', encrypted: true,
  disks: [{ vault: 'v', item: 'a', disk: 'd0' }, { vault: 'v', item: 'a', disk: 'd1' }],
  spec: { resourceGroup: 'rg', name: 'a', size: 'Standard_D2s_v3', nics: [], testNetwork: false, tags: { vault: 'v', job: 'job1', item: 'a', scenario: 'UnplannedFailover' } },
};

describe('recovery activities through the typed map (replay simulation)', () => {
  it('a machine task calls begin, one materialise per disk in parallel with the sealed key, then bring-up with the disks in order', async () => {
    const r = await simulate(recoverMachineOrchestrator, task, (name, input: any) => {
      switch (name) {
        case 'beginMachine': return ok({ plan, chosen: { selectors: { d0: { kind: 'latest' }, d1: { kind: 'latest' } }, description: 'the latest point' } });
        case 'materializeDisk': return ok({ name: `disk-${input.request.source.disk}` });
        case 'bringUpMachine': return ok({ item: '/i/a', resourceGroup: 'rg', machineName: 'a', ips: ['10.0.0.4'], recoveryPointId: 'p', recoveryPointTime: 't' });
        default: throw new Error(`unexpected ${name}`);
      }
    });
    expect(r.calls.map((c) => c.name)).toEqual(['beginMachine', 'materializeDisk', 'materializeDisk', 'bringUpMachine']);
    expect(r.calls[1].input).toMatchObject({ jobId: 'job1', wrappedKey: 'sealed', request: { source: { disk: 'd0' }, machineName: 'a', resourceGroup: 'rg' } });
    // Both disks were dispatched in the same episode.
    const episodeOf = (disk: string) => r.decisions.findIndex((d) => d.commands.some((c: any) => c.kind === 'scheduleActivity' && JSON.parse(c.input).request?.source.disk === disk));
    expect(episodeOf('d0')).toBe(episodeOf('d1'));
    expect(r.calls[3].input).toMatchObject({ disks: [{ name: 'disk-d0' }, { name: 'disk-d1' }], pointDescription: 'the latest point' });
    expect(r.final).toMatchObject({ kind: 'complete' });
    expect(JSON.parse((r.final as any).output)).toMatchObject({ ok: true, machine: { machineName: 'a', ips: ['10.0.0.4'] } });
  });

  it('a failed disk fails the machine task on the job and skips the bring-up', async () => {
    const error = { code: 'DiskDigestMismatch', message: 'd1 differs', possibleCauses: 'x', recommendedAction: 'y' };
    const r = await simulate(recoverMachineOrchestrator, task, (name, input: any) => {
      if (name === 'beginMachine') return ok({ plan, chosen: { selectors: {}, description: 'p' } });
      if (name === 'materializeDisk') return input.request.source.disk === 'd1' ? { ok: false, error } : ok({ name: 'x' });
      if (name === 'recordJob') return { state: 'InProgress', cancelRequested: false };
      throw new Error(`unexpected ${name}`);
    });
    expect(r.calls.map((c) => c.name)).toEqual(['beginMachine', 'materializeDisk', 'materializeDisk', 'recordJob']);
    expect(r.calls[3].input).toMatchObject({ events: [{ type: 'taskFailed', taskId: 'g0-vm0', error }] });
    expect(JSON.parse((r.final as any).output)).toEqual({ ok: false, error });
  });
});

describe('what the plan orchestrator reports when it throws itself', () => {
  const snapshot: PlanSnapshot = {
    targetId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/replicationRecoveryPlans/p', targetName: 'p', targetType: 'RecoveryPlan',
    groups: [{
      groupType: 'Boot', items: [{ itemId: '/i/a', name: 'a' }], endGroupActions: [],
      startGroupActions: [{ actionName: 'fw', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/fw', timeout: 'soon', fabricLocation: 'Recovery' } }],
    }],
  };

  it('an action timeout it cannot read fails the job as InternalError with the reason, as before the orchestrator was thinned', async () => {
    const { steps } = planRecoverySteps(snapshot, 'UnplannedFailover', { direction: 'PrimaryToRecovery' });
    const input: RecoveryJobInput = {
      vaultKey: 's/r/v', vaultArmId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v', jobId: 'job1', scenario: 'UnplannedFailover',
      direction: 'PrimaryToRecovery', plan: snapshot, steps, point: { kind: 'Latest' }, timeouts: { finalLogSeconds: 60, runbookSeconds: 3600 }, pollSeconds: 1,
    };
    const r = await simulate(recoveryPlanOrchestrator, input, (name) => {
      if (name === 'recordJob') return { state: 'InProgress', cancelRequested: false };
      if (name === 'checkPrerequisites') return ok('ready');
      if (name === 'finishScenario') return null;
      throw new Error(`unexpected ${name}`);
    });
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Failed') });
    const failed = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events).find((e: any) => e.type === 'jobFailed');
    expect(failed).toEqual({
      type: 'jobFailed', at: expect.any(String),
      error: { code: 'InternalError', message: expect.stringContaining('action timeout "soon"'), possibleCauses: 'An unexpected failure in the service.', recommendedAction: 'Restart the job; report it if it fails again.' },
    });
    expect(r.calls.find((c) => c.name === 'finishScenario')!.input).toMatchObject({ outcome: 'Failed', targets: { itemIds: ['/i/a'], jobId: `${input.vaultArmId}/replicationJobs/job1` } });
  });
});
