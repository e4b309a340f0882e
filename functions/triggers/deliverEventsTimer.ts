import { app, InvocationContext, Timer } from '@azure/functions';
import { eventServicesFromEnv } from '../../shared/events';

/**
 * Every 5 seconds: publish the events writers left in outboxes (the host died right after a
 * write), then deliver undelivered events to the vaults' alert targets, oldest first. A
 * singleton (one host runs it, rounds never overlap): that is what keeps each affected
 * object's events in order at every target.
 */
app.timer('deliverEvents', {
  schedule: '*/5 * * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const { outbox, dispatcher } = await eventServicesFromEnv(process.env, (msg, err) => context.warn(msg, err instanceof Error ? err.message : ''));
    const published = await outbox.flushAll();
    const r = await dispatcher.deliverAll();
    if (published + r.delivered + r.failed > 0) {
      context.log(`events: published ${published} left in outboxes, delivered ${r.delivered}, failed ${r.failed} (retried next round)`);
    }
  },
});
