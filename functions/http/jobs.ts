import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { recoveryHttpHandler } from './serveArmRequest';

const V = 'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';

/** `GET V/replicationJobs[/{job}[/report|exportedJobs]]`, `POST V/replicationJobs/{job}/{cancel|restart|resume}`, `POST V/replicationJobs/export`. */
app.http('replicationJobs', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: `${V}/replicationJobs/{*rest}`,
  extraInputs: [df.input.durableClient()],
  handler: recoveryHttpHandler,
});
