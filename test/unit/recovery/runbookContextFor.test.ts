import { runbookContextFor } from '../../../shared/recovery/plan/runbookContextFor';
import type { PlanSnapshot } from '../../../shared/recovery/plan/PlanSnapshot';

const plan: PlanSnapshot = { targetId: '/plans/p', targetName: 'nightly', targetType: 'RecoveryPlan', groups: [] };
const vaultArmId = '/subscriptions/0000-sub/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v';
const web = { item: '/items/web', resourceGroup: 'dr-rg', machineName: 'web-test', ips: ['10.1.0.4', '10.2.0.4'], recoveryPointId: '/rp/1', recoveryPointTime: '2026-01-01T00:00:00Z' };

/** The RecoveryPlanContext a runbook receives (ASR's spelling), built by automation's one context builder. */
describe('runbookContextFor', () => {
  it('names the plan, the failover in ASR\'s spelling, the group without spaces and every recovered machine under its item id', () => {
    expect(runbookContextFor({ plan, scenario: 'TestFailover', direction: 'PrimaryToRecovery', vaultArmId }, 'Group 2', [web])).toEqual({
      RecoveryPlanName: 'nightly', FailoverType: 'Test', FailoverDirection: 'PrimaryToSecondary', GroupId: 'Group2',
      VmMap: {
        '/items/web': {
          SubscriptionId: '0000-sub', ResourceGroupName: 'dr-rg', RoleName: 'web-test', VmName: 'web-test',
          IPAddresses: ['10.1.0.4', '10.2.0.4'], RecoveryPointId: '/rp/1', RecoveryPointTime: '2026-01-01T00:00:00Z',
        },
      },
    });
  });

  it('spells planned failovers back to the primary as ASR does, and tells other scenarios Unplanned as the orchestrator always did', () => {
    expect(runbookContextFor({ plan, scenario: 'PlannedFailover', direction: 'RecoveryToPrimary', vaultArmId }, 'Shutdown', [])).toMatchObject({ FailoverType: 'Planned', FailoverDirection: 'SecondaryToPrimary', VmMap: {} });
    expect(runbookContextFor({ plan, scenario: 'FailoverCommit', direction: 'PrimaryToRecovery', vaultArmId }, 'Boot', []).FailoverType).toBe('Unplanned');
  });
});
