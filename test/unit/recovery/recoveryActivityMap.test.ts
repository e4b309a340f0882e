import type { RecoveryActivityCalls } from '../../../functions/orchestrators/recoveryActivityCalls';
import type { OrchestrationContext, Task } from 'durable-functions';
import { recoverMachines } from '../../../functions/orchestrators/recoverMachines';
import { recoveryPlanOrchestrator } from '../../../functions/orchestrators/recoveryPlanOrchestrator';
import type { MachineTaskInput, MachineTaskResult } from '../../../shared/recovery/plan/MachineTask';
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
  yield* activities.call('recoverMachine', { vaultKey: 'v', items: [] });
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

const task = (taskId: string, name: string, operation: MachineTaskInput['operation']): MachineTaskInput => ({
  vaultKey: 's/r/v', jobId: 'job1', scenario: 'UnplannedFailover', operation, taskId,
  item: { itemId: `/i/${name}`, name }, point: { kind: 'Latest' }, wrappedKey: 'sealed',
});
const ok = (value: unknown) => ({ ok: true, value });
const error = { code: 'DiskDigestMismatch', message: 'd1 differs', possibleCauses: 'x', recommendedAction: 'y' };
/** A group of machines as the plan orchestrator runs it. */
const group = function* (context: OrchestrationContext): Generator<Task, MachineTaskResult[], unknown> {
  return yield* recoverMachines(context, context.df.getInput<MachineTaskInput[]>());
};

describe('the machines of a group through the typed map (replay simulation)', () => {
  it('one recoverMachine activity per machine, all in one episode with the machine\'s input (sealed key, no sub-orchestration); results in task order', async () => {
    const tasks = [task('g0-vm0', 'a', 'recover'), task('g0-vm1', 'b', 'recover'), task('g0-vm2', 'c', 'recover')];
    const r = await simulate(group, tasks, (name, input: any) => {
      if (name !== 'recoverMachine') throw new Error(`unexpected ${name}`);
      return input.item.name === 'b' ? { ok: false, error } : { ok: true, machine: { item: input.item.itemId, resourceGroup: 'rg', machineName: input.item.name, ips: [], recoveryPointId: 'p', recoveryPointTime: 't' } };
    });
    expect(r.calls.map((c) => c.name)).toEqual(['recoverMachine', 'recoverMachine', 'recoverMachine']);
    expect(r.calls[0].input).toEqual(tasks[0]);
    const commands = r.decisions.flatMap((d) => d.commands);
    expect(commands.some((c: any) => c.kind === 'startSubOrchestration')).toBe(false);
    const episodeOf = (name: string) => r.decisions.findIndex((d) => d.commands.some((c: any) => c.kind === 'scheduleActivity' && JSON.parse(c.input).item.name === name));
    expect(new Set(['a', 'b', 'c'].map(episodeOf)).size).toBe(1);
    const out = JSON.parse((r.final as any).output) as MachineTaskResult[];
    expect(out.map((o) => (o.ok ? o.machine?.machineName : o.error.code))).toEqual(['a', 'DiskDigestMismatch', 'c']);
  });

  it('cleanup, commit and cancel go to settleMachine, whose removed resources stay on the task, not in the group\'s result', async () => {
    const tasks = [task('g0-vm0', 'a', 'cleanupTest'), task('g0-vm1', 'b', 'cleanupTest')];
    const r = await simulate(group, tasks, (name, input: any) => {
      if (name !== 'settleMachine') throw new Error(`unexpected ${name}`);
      return input.item.name === 'a' ? { ok: true, value: ['machine a-test'] } : { ok: false, error };
    });
    expect(r.calls.map((c) => c.name)).toEqual(['settleMachine', 'settleMachine']);
    expect(JSON.parse((r.final as any).output)).toEqual([{ ok: true }, { ok: false, error }]);
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
