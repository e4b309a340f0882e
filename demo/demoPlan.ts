/** The demo's runbook; its webhook is configured on the host (ASR_RUNBOOK_WEBHOOKS), never in the plan. */
export const DEMO_RUNBOOK_ID = '/runbooks/configure-app-tier';

/** The sample application's recovery plan body: database, then app (runbook before, manual check after), then web. */
export function demoPlanBody(vaultPath: string, fabric: string, items: { db: string; app: string; web: string }): unknown {
  const runbook = {
    actionName: 'configure-app-tier',
    failoverTypes: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'],
    failoverDirections: ['PrimaryToRecovery'],
    customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: DEMO_RUNBOOK_ID, timeout: 'PT2M', fabricLocation: 'Recovery' },
  };
  const manual = {
    actionName: 'check-shop',
    failoverTypes: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'],
    failoverDirections: ['PrimaryToRecovery'],
    customDetails: { instanceType: 'ManualActionDetails', description: 'Open the shop app on its recovered address and place a test order before the web tier comes up' },
  };
  return {
    properties: {
      primaryFabricId: `${vaultPath}/replicationFabrics/${fabric}`,
      recoveryFabricId: 'Microsoft Azure',
      failoverDeploymentModel: 'ResourceManager',
      groups: [
        { groupType: 'Boot', replicationProtectedItems: [{ id: items.db }] },
        { groupType: 'Boot', replicationProtectedItems: [{ id: items.app }], startGroupActions: [runbook], endGroupActions: [manual] },
        { groupType: 'Boot', replicationProtectedItems: [{ id: items.web }] },
      ],
    },
  };
}
