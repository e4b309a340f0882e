import { recoveryPlanOrchestrator } from '../../../functions/orchestrators/recoveryPlanOrchestrator';
import { actionApplies, actionRefusalOf, runbookActionStart, runbookTaskDetails, type RunbookActionDetails } from '../../../shared/automation';
import { planRecoverySteps } from '../../../shared/recovery/plan/planRecoverySteps';
import type { PlanAction, PlanSnapshot } from '../../../shared/recovery/plan/PlanSnapshot';
import type { RecoveryJobInput } from '../../../shared/recovery/plan/RecoveryJobInput';
import { simulate, type ActivityWorld } from '../durable/replayHarness';

/**
 * shared/automation/policy is the one description of runbook and script actions: what it says
 * is exactly what the recovery job sends and records (the orchestrator must not drift from it).
 */
const fw: RunbookActionDetails = { instanceType: 'AutomationRunbookActionDetails', runbookId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Automation/automationAccounts/aa/runbooks/OpenFw', timeout: 'PT5M', fabricLocation: 'Primary' };
const machines = ['/i/a', '/i/b'].map((item) => ({ item, resourceGroup: 'rg', machineName: `${item.split('/').pop()}-dr`, ips: ['10.0.0.9'], recoveryPointId: 'p', recoveryPointTime: 't' }));

function jobInput(action: PlanAction): RecoveryJobInput {
  const plan: PlanSnapshot = {
    targetId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/replicationRecoveryPlans/p', targetName: 'p', targetType: 'RecoveryPlan',
    groups: [
      { groupType: 'Boot', items: [{ itemId: '/i/a', name: 'a' }, { itemId: '/i/b', name: 'b' }], startGroupActions: [], endGroupActions: [] },
      { groupType: 'Boot', items: [{ itemId: '/i/c', name: 'c' }], startGroupActions: [action], endGroupActions: [] },
    ],
  };
  const { steps } = planRecoverySteps(plan, 'UnplannedFailover', { direction: 'PrimaryToRecovery' });
  return {
    vaultKey: 's/r/v', vaultArmId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v', jobId: 'job1', scenario: 'UnplannedFailover',
    direction: 'PrimaryToRecovery', plan, steps, point: { kind: 'Latest' }, timeouts: { finalLogSeconds: 60, runbookSeconds: 3600 }, pollSeconds: 1,
  };
}

const world: ActivityWorld = (name, value: any) => {
  switch (name) {
    case 'recordJob': return { state: 'InProgress', cancelRequested: false };
    case 'checkPrerequisites': return { ok: true, value: 'ready' };
    case 'startRunbook': return { ok: true, value: { tokenId: 't1', expiresAt: '2026-01-01T01:00:00Z' } };
    case 'recoverMachine': return { ok: true, machine: machines.find((m) => m.item === value.item.itemId) ?? { ...machines[0], item: value.item.itemId } };
    default: return null;
  }
};

describe('runbook and script actions: the automation policy is what the recovery job does', () => {
  it('runbookActionStart gives the exact startRunbook request (context, GroupId without blanks, token lifetime) and task details the job sends', async () => {
    const action: PlanAction = { actionName: 'fw', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: fw };
    const r = await simulate(recoveryPlanOrchestrator, jobInput(action), world, {
      externalEvents: [{ atEpisode: 0, name: 'RunbookCompleted-g1-start0', value: { tokenId: 't1', task: 'g1-start0', outcome: { status: 'Succeeded' }, receivedAt: 'x' } }],
    });
    const sent = r.calls.find((c) => c.name === 'startRunbook')!.input as any;
    const expected = runbookActionStart({
      actionName: 'fw', details: fw,
      target: { vaultKey: 's/r/v', planName: 'p', jobId: 'job1', taskId: 'g1-start0', instanceId: sent.instanceId, eventName: 'RunbookCompleted-g1-start0' },
      failoverType: 'UnplannedFailover', failoverDirection: 'PrimaryToRecovery', groupId: 'Group 2', subscriptionId: 's', machines,
      defaultRunbookTimeoutSeconds: 3600, tokenGraceSeconds: 300,
    });
    expect(sent).toEqual(expected.request);
    expect(sent.context.GroupId).toBe('Group2');
    expect(expected.policy).toEqual({ timeoutSeconds: 300, onTimeout: 'Fail' });
    const progress = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events).find((e: any) => e.type === 'taskProgress' && e.taskId === 'g1-start0');
    expect(progress.customDetails).toEqual(runbookTaskDetails('fw', fw, 't1'));
    expect(progress.customDetails).toEqual({ ...expected.taskDetails, jobId: 't1' });
  });

  it('actionRefusalOf is the error a script action fails the job with', async () => {
    const script: PlanAction = { actionName: 'sh', failoverTypes: ['UnplannedFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ScriptActionDetails', path: '/x.sh', fabricLocation: 'Recovery' } };
    const r = await simulate(recoveryPlanOrchestrator, jobInput(script), world);
    expect(r.final).toMatchObject({ kind: 'complete', output: JSON.stringify('Failed') });
    const failed = r.calls.filter((c) => c.name === 'recordJob').flatMap((c) => (c.input as any).events).find((e: any) => e.type === 'taskFailed');
    expect(failed).toMatchObject({ taskId: 'g1-start0' });
    expect(failed.error).toEqual(actionRefusalOf(script));
  });

  it('the job plans an action only where actionApplies says it runs', () => {
    const other: PlanAction = { actionName: 'fw', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: fw };
    expect(actionApplies(other, 'UnplannedFailover', 'PrimaryToRecovery')).toBe(false);
    expect(jobInput(other).steps.some((s) => s.kind === 'action')).toBe(false);
    const runs: PlanAction = { ...other, failoverTypes: ['UnplannedFailover'] };
    expect(actionApplies(runs, 'UnplannedFailover', 'PrimaryToRecovery')).toBe(true);
    expect(jobInput(runs).steps.some((s) => s.kind === 'action')).toBe(true);
  });
});
