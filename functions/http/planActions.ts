import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryHttpHandler } from './serveArmRequest';

const V = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';

/** `POST …/replicationRecoveryPlans/{plan}/{testFailover|plannedFailover|…}`: starts a job. */
app.http('recoveryPlanActions', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `${V}/replicationRecoveryPlans/{planName}/{action}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});

/** `GET …/replicationRecoveryPlans/{plan}/operationresults/{job}`: the LRO's poll. */
app.http('recoveryPlanOperationResults', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: `${V}/replicationRecoveryPlans/{planName}/operationresults/{jobName}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});
