import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { drillSchedulerFromEnv } from '../../shared/drills';
import { durableControl } from '../durable/durableControl';

/**
 * Every 5 seconds: start the drills that are due, record missed ones (docs/drills.md). Each due
 * time is claimed by a conditional create in Cosmos DB, so a second host (or a timer that fires
 * twice) never runs a drill twice; the timer being a singleton only saves work.
 */
df.app.client.timer('drillScheduler', {
  schedule: '*/5 * * * * *',
  handler: async (_timer: Timer, _client, context: InvocationContext): Promise<void> => {
    const scheduler = await drillSchedulerFromEnv(durableControl(context), (m) => context.warn(m));
    const r = await scheduler.round();
    if (r.started.length + r.missed + r.lostClaims > 0) {
      context.log(`drills: started ${r.started.length} (${r.started.join(', ')}), recorded ${r.missed} missed, ${r.lostClaims} claimed by another host`);
    }
  },
});
