import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryHttpHandler } from './serveArmRequest';

const V = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';

/**
 * `POST|OPTIONS …/replicationAlertRules/{rule}/trigger`: the customer's monitoring (Azure
 * Monitor action groups, Event Grid, CloudEvents senders) calls it; a matching alert may start a
 * job, hence the Durable client. Authentication is the rule's secret or a token (shared/arm/alerts).
 */
app.http('alertRuleTrigger', {
  methods: ['POST', 'OPTIONS'],
  authLevel: 'anonymous',
  route: `${V}/replicationAlertRules/{ruleName}/trigger`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});
