import { app, InvocationContext, Timer } from '@azure/functions';
import { recoveryDepsFromEnv } from '../shared/recovery/recoveryDepsFromEnv';
import { sweepReverseReplication } from '../shared/recovery/activities/stepReverseReplication';

/**
 * Every 5 seconds: one step of every standing reverse replication (reprotect RecoveryToPrimary,
 * docs/reverse-replication.md): ask the primary site's agent for a round when the policy interval
 * has passed, prepare the delta once it reported its digests, record the round once applied.
 * A singleton (one host runs it); every step is conditional, so an overlap changes nothing.
 */
app.timer('reverseReplication', {
  schedule: '*/5 * * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const steps = await sweepReverseReplication(await recoveryDepsFromEnv(), (m) => context.log(m));
    const busy = Object.entries(steps).filter(([, s]) => s.state !== 'idle' && s.state !== 'none');
    if (busy.length) context.log(`reverse replication: ${busy.map(([n, s]) => `${n}=${s.state}`).join(', ')}`);
  },
});
