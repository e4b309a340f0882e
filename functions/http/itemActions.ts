import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryHttpHandler } from './serveArmRequest';

const P = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}' +
  '/replicationFabrics/{fabricName}/replicationProtectionContainers/{containerName}/replicationProtectedItems/{itemName}';

/** `POST P/{item}/{testFailover|…}` (and ASR's `remove`, which the API serves as before). */
app.http('protectedItemActions', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `${P}/{action}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});

app.http('protectedItemOperationResults', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: `${P}/operationresults/{jobName}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});

/** The poll of `repairReplication` (shared/arm/recovery/repairRoutes). */
app.http('protectedItemRepairResults', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: `${P}/repairReplicationResults/{epoch}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});
