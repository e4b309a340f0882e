import { app, InvocationContext, Timer } from '@azure/functions';
import { eventOutboxFromEnv } from '../../shared/events';

/**
 * Every minute: publish the replication events that state changes wrote into their documents'
 * outboxes when the writer did not get to publish them (the host died right after the write).
 * Publishing is idempotent (events have stable ids), so overlapping with a writer is harmless.
 */
app.timer('flushEventOutbox', {
  schedule: '30 */1 * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const outbox = await eventOutboxFromEnv(process.env, (msg, err) => context.warn(msg, err ?? ''));
    const published = await outbox.flushAll();
    if (published > 0) context.log(`event outbox sweep: published ${published} event(s) a writer had left`);
  },
});
