import { resolve } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { startServiceBusStandIn, type ServiceBusStandIn } from '../../../devhost/emulators/serviceBus/ServiceBusStandIn';
import { parseServiceBusStandInConfig } from '../../../devhost/emulators/serviceBus/serviceBusStandInConfig';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { startFunclocal, type RunningFunclocal } from '../../support/funclocal';
import { waitFor } from '../../support/waitFor';

const APP = resolve(__dirname, '../../fixtures/apps/servicebus-app');

/**
 * funclocal's Service Bus trigger and output bindings against the Service Bus STAND-IN, checked
 * with the real @azure/service-bus client: complete on success, abandon on failure, dead-letter
 * once the queue's maxDeliveryCount is reached; outputs to a queue and a topic.
 */
describe('funclocal Service Bus trigger and output bindings (stand-in, real @azure/service-bus)', () => {
  let sb: ServiceBusStandIn;
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  let client: ServiceBusClient;

  beforeAll(async () => {
    sb = await startServiceBusStandIn({
      port: 0,
      config: parseServiceBusStandInConfig({ queues: [{ name: 'orders', maxDeliveryCount: 3 }], topics: [{ name: 'audit', subscriptions: [{ name: 'all' }] }] }),
    });
    azurite = await startAzurite();
    host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { ORDERS_BUS: sb.connectionString } });
    client = new ServiceBusClient(sb.connectionString);
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await client?.close();
    await Promise.all([sb?.stop(), azurite?.stop()]);
  });

  it('output bindings send to the queue (extraOutputs) and the topic (return); the trigger completes the message it handled', async () => {
    const res = await fetch(`${host.baseUrl}/api/orders`, { method: 'POST', body: JSON.stringify({ id: 'o1', failures: 0 }) });
    // The return value went to the topic, not to the HTTP response: an empty success.
    expect(res.status).toBe(204);
    const audit = client.createReceiver('audit', 'all');
    const [m] = await audit.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
    expect(m.body).toEqual({ placed: 'o1' });
    await audit.completeMessage(m);
    await audit.close();
    await waitFor(() => /order o1 handled/.test(host.logs()) || undefined, { timeoutMs: 30_000, intervalMs: 100, describe: 'the trigger to handle o1' });
    expect(host.logs()).toMatch(/order o1 delivery 1 /);
    expect(host.logs()).not.toMatch(/order o1 delivery 2 /);
  });

  it('a message whose function fails is abandoned and retried, and dead-lettered after maxDeliveryCount (3)', async () => {
    await client.createSender('orders').sendMessages({ messageId: 'order-o2', body: { id: 'o2', failures: 10 } });
    const dlq = client.createReceiver('orders', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 30_000 });
    expect([dead?.messageId, dead?.body, dead?.deadLetterReason]).toEqual(['order-o2', { id: 'o2', failures: 10 }, 'MaxDeliveryCountExceeded']);
    await dlq.completeMessage(dead);
    await dlq.close();
    const tries = host.logs().match(/order o2 delivery \d+/g);
    expect(tries).toEqual(['order o2 delivery 1', 'order o2 delivery 2', 'order o2 delivery 3']);
    expect(host.logs()).not.toMatch(/order o2 handled/);
  });

  it('a message that fails fewer times than maxDeliveryCount is handled on a later delivery', async () => {
    await client.createSender('orders').sendMessages({ body: { id: 'o3', failures: 1 } });
    await waitFor(() => /order o3 handled/.test(host.logs()) || undefined, { timeoutMs: 30_000, intervalMs: 100, describe: () => `o3 to be handled on its second delivery:\n${host.logs().split('\n').filter((l) => /o3/.test(l)).join('\n')}` });
    expect(host.logs().match(/order o3 delivery \d+/g)).toEqual(['order o3 delivery 1', 'order o3 delivery 2']);
  });
});
