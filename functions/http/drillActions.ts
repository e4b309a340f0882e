import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryHttpHandler } from './serveArmRequest';

const V = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';

/** `POST …/replicationRecoveryPlans/{plan}/drillSchedules/{schedule}/run`: a drill now; it starts an orchestration, so it needs the Durable client. */
app.http('drillScheduleRun', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `${V}/replicationRecoveryPlans/{planName}/drillSchedules/{scheduleName}/run`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});
