import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBusStandIn, type ServiceBusStandIn } from '../../../devhost/emulators/serviceBus/ServiceBusStandIn';
import { parseServiceBusStandInConfig } from '../../../devhost/emulators/serviceBus/serviceBusStandInConfig';

/**
 * The Service Bus STAND-IN against the real @azure/service-bus client: what the client does
 * (CBS, send, batch send, peek-lock receive, complete, abandon, dead-letter, renew-lock) must
 * behave as Service Bus does for these calls.
 */
describe('Service Bus stand-in with the real @azure/service-bus client', () => {
  let sb: ServiceBusStandIn;
  let client: ServiceBusClient;

  beforeAll(async () => {
    sb = await startServiceBusStandIn({
      port: 0,
      config: parseServiceBusStandInConfig({
        queues: [{ name: 'work', maxDeliveryCount: 3 }, { name: 'short-lock', lockDurationSeconds: 2 }],
        topics: [{ name: 'asr-events', subscriptions: [{ name: 'all' }, { name: 'critical', filter: { severity: 'Critical' } }] }],
      }),
    });
    client = new ServiceBusClient(sb.connectionString);
  });

  afterAll(async () => {
    await client?.close();
    await sb?.stop();
  });

  it('uses the documented development connection string (plain AMQP on loopback)', () => {
    expect(sb.connectionString).toBe(`Endpoint=sb://127.0.0.1:${sb.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`);
  });

  it('a topic fans out to its subscriptions by filter; peek-lock receive and complete removes them, in order', async () => {
    const sender = client.createSender('asr-events');
    await sender.sendMessages({ messageId: 'm1', body: { n: 1 }, applicationProperties: { severity: 'Info' } });
    await sender.sendMessages([
      { messageId: 'm2', body: { n: 2 }, applicationProperties: { severity: 'Critical', vault: 'v1' } },
      { messageId: 'm3', body: 'three', applicationProperties: { severity: 'Warning' } },
    ]);
    await sender.close();

    const all = client.createReceiver('asr-events', 'all');
    const got = await all.receiveMessages(10, { maxWaitTimeInMs: 2000 });
    expect(got.map((m) => [m.messageId, m.body, m.applicationProperties?.severity, m.deliveryCount])).toEqual([
      ['m1', { n: 1 }, 'Info', 0], ['m2', { n: 2 }, 'Critical', 0], ['m3', 'three', 'Warning', 0],
    ]);
    expect(got.every((m) => typeof m.lockToken === 'string' && m.lockedUntilUtc instanceof Date)).toBe(true);
    expect(Number(got[1].sequenceNumber)).toBeGreaterThan(Number(got[0].sequenceNumber));
    for (const m of got) await all.completeMessage(m);
    expect(await all.receiveMessages(10, { maxWaitTimeInMs: 500 })).toEqual([]);
    await all.close();

    const critical = client.createReceiver('asr-events', 'critical');
    const crit = await critical.receiveMessages(10, { maxWaitTimeInMs: 2000 });
    expect(crit.map((m) => m.messageId)).toEqual(['m2']);
    await critical.completeMessage(crit[0]);
    await critical.close();
  });

  it('abandon returns a message with its delivery count raised; the delivery that reaches maxDeliveryCount dead-letters it', async () => {
    await client.createSender('work').sendMessages({ messageId: 'poison', body: 'x' });
    const receiver = client.createReceiver('work');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      counts.push(m.deliveryCount!);
      await receiver.abandonMessage(m);
    }
    expect(counts).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
    const dlq = client.createReceiver('work', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect([dead.messageId, dead.body, dead.deadLetterReason]).toEqual(['poison', 'x', 'MaxDeliveryCountExceeded']);
    await dlq.completeMessage(dead);
    await Promise.all([receiver.close(), dlq.close()]);
  });

  it('dead-letters on request with the reason the receiver gives', async () => {
    await client.createSender('work').sendMessages({ messageId: 'bad', body: 'y' });
    const receiver = client.createReceiver('work');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await receiver.deadLetterMessage(m, { deadLetterReason: 'Unparseable', deadLetterErrorDescription: 'not JSON' });
    const dlq = client.createReceiver('work', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect([dead.messageId, dead.deadLetterReason, dead.deadLetterErrorDescription]).toEqual(['bad', 'Unparseable', 'not JSON']);
    await dlq.completeMessage(dead);
    await Promise.all([receiver.close(), dlq.close()]);
  });

  it('renew-lock extends a lock past its duration; an expired lock is lost and the message comes back', async () => {
    await client.createSender('short-lock').sendMessages({ messageId: 'slow', body: 'z' });
    const receiver = client.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    const firstLockUntil = m.lockedUntilUtc!.getTime();
    await new Promise((r) => setTimeout(r, 1200));
    const until = await receiver.renewMessageLock(m);
    expect(until.getTime()).toBeGreaterThan(firstLockUntil);
    await new Promise((r) => setTimeout(r, 1200));
    await receiver.completeMessage(m); // still locked thanks to the renewal
    await client.createSender('short-lock').sendMessages({ messageId: 'lost', body: 'w' });
    const [l] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    await new Promise((r) => setTimeout(r, 2500));
    await expect(receiver.completeMessage(l)).rejects.toMatchObject({ code: 'MessageLockLost' });
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect([again.messageId, again.deliveryCount]).toEqual(['lost', 1]);
    await receiver.completeMessage(again);
    await receiver.close();
  });

  it('subscribe() completes on success and abandons on a throw, as the client does by default', async () => {
    await client.createSender('asr-events').sendMessages([{ messageId: 'a', body: 1 }, { messageId: 'b', body: 2 }]);
    const receiver = client.createReceiver('asr-events', 'all');
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const sub = receiver.subscribe({
        processMessage: async (m: ServiceBusReceivedMessage) => {
          seen.push(`${m.messageId}#${m.deliveryCount}`);
          if (m.messageId === 'b' && m.deliveryCount === 0) throw new Error('first try fails');
          if (m.messageId === 'b') void sub.close().then(resolve);
        },
        processError: async () => undefined,
      });
    });
    await done;
    expect(seen).toEqual(['a#0', 'b#0', 'b#1']);
    await receiver.close();
  });

  it('refuses a link to an entity that is not declared (the client says the entity was not found)', async () => {
    const sender = client.createSender('nope');
    await expect(sender.sendMessages({ body: 1 })).rejects.toMatchObject({ code: 'MessagingEntityNotFound' });
    await sender.close();
  });
});
