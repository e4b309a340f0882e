import { buildRecoveryPlanContext, type RecoveredMachineInfo } from '../../automation/policy/buildRecoveryPlanContext';
import type { StartRunbookRequest } from '../../automation/RunbookStarter';
import type { RecoveryJobInput } from './RecoveryJobInput';
import { isFailover } from './RecoveryScenario';

/**
 * The context a runbook action of group `groupName` receives: the plan, the failover's type and
 * direction, and the machines recovered so far. Only failovers run actions (planRecoverySteps);
 * any other scenario would be told `Unplanned`, as the orchestrator always did.
 */
export function runbookContextFor(input: Pick<RecoveryJobInput, 'plan' | 'scenario' | 'direction' | 'vaultArmId'>, groupName: string, recovered: RecoveredMachineInfo[]): StartRunbookRequest['context'] {
  return buildRecoveryPlanContext({
    plan: input.plan.targetName,
    failoverType: isFailover(input.scenario) ? input.scenario : 'UnplannedFailover',
    failoverDirection: input.direction,
    groupId: groupName.replace(/\s+/g, ''),
    // The vault's ARM id is /subscriptions/{id}/…
    subscriptionId: input.vaultArmId.split('/')[2],
    machines: recovered,
  });
}
