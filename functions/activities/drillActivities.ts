import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { drillActivitiesFromEnv, type DrillActivityInput, type DrillActivityName, type DrillActivityOutput } from '../../shared/drills';
import { durableControl } from '../durable/durableControl';

/**
 * Registers one drill activity of `DrillActivityMap`. Each gets a Durable client: starting and
 * cleaning up a test failover starts the recovery job's orchestration, as the API does.
 */
function register<N extends DrillActivityName>(name: N): void {
  df.app.activity(name, {
    extraInputs: [df.input.durableClient()],
    handler: async (input: DrillActivityInput<N>, context: InvocationContext): Promise<DrillActivityOutput<N>> => {
      const activities = await drillActivitiesFromEnv(durableControl(context));
      return (activities[name] as (i: DrillActivityInput<N>) => Promise<DrillActivityOutput<N>>)(input);
    },
  });
}

const NAMES: { [N in DrillActivityName]: N } = {
  beginDrill: 'beginDrill', drillJobStatus: 'drillJobStatus', cancelDrillJob: 'cancelDrillJob', verifyDrill: 'verifyDrill', startDrillCleanup: 'startDrillCleanup', finishDrill: 'finishDrill',
  notifyDrill: 'notifyDrill',
};

for (const name of Object.values(NAMES)) register(name);
