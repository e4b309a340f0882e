/** The sample application's recovery plan body: database, then app (runbook before, manual check after), then web. */
export function demoPlanBody(vaultPath: string, fabric: string, items: { db: string; app: string; web: string }, runbookUrl: string): unknown {
  const runbook = {
    actionName: 'configure-app-tier',
    failoverTypes: ['TestFailover', 'PlannedFailover', 'UnplannedFailover'],
    failoverDirections: ['PrimaryToRecovery'],
    // A runbook id that is an http(s) URL is used as its webhook (docs/recovery-plans.md, Actions).
    customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: runbookUrl, timeout: 'PT2M', fabricLocation: 'Recovery' },
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
