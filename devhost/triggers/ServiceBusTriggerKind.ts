import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { closeServiceBusClients, serviceBusClientFor, serviceBusConnectionString } from '../bindings/serviceBusConnection';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { resolveSettingExpressions } from '../core/HostConfig';
import { HostStartupError } from '../core/HostStartupError';
import { TypedData } from '../core/TypedData';

interface Listener {
  receiver: ServiceBusReceiver;
  close(): Promise<void>;
}

/**
 * Service Bus triggers (`app.serviceBusQueue`, `app.serviceBusTopic`) with the extension's
 * behaviour: peek-lock, complete on success, abandon on failure; the entity dead-letters the
 * message once its delivery count reaches `maxDeliveryCount` (Service Bus does that, here the
 * stand-in). Locks are renewed while a function runs (up to 5 minutes, as the extension's
 * maxAutoLockRenewalDuration). Sessions are not supported.
 */
export class ServiceBusTriggerKind implements TriggerKind {
  readonly name = 'serviceBus';
  readonly triggerTypes = ['servicebustrigger'] as const;
  private listeners: Listener[] = [];

  check(fn: FunctionRegistration, host: HostContext): void {
    triggerOf(fn, host);
  }

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    const concurrency = maxConcurrentCalls(host);
    for (const fn of functions) {
      const t = triggerOf(fn, host);
      const client = serviceBusClientFor(t.connection);
      const receiver = t.subscription ? client.createReceiver(t.entity, t.subscription) : client.createReceiver(t.entity);
      const scope = { functionName: fn.name };
      const sub = receiver.subscribe({
        processMessage: async (m) => {
          await host.invoker.invoke(fn, { inputData: [{ name: fn.trigger.name, data: bodyData(m) }], triggerMetadata: metadataOf(m) });
        },
        processError: async (args) => {
          // A failed invocation is abandoned by the client; this reports it (and link trouble).
          host.logger.log('warning', `Service Bus ${t.path} (${args.errorSource}): ${args.error.message}`, scope);
        },
      }, { autoCompleteMessages: true, maxConcurrentCalls: concurrency });
      this.listeners.push({ receiver, close: () => sub.close() });
      host.logger.log('information', `Service Bus trigger on ${t.path} (peek-lock, ${concurrency} at a time)`, scope);
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.listeners.map(async (l) => { await l.close(); await l.receiver.close(); }));
    this.listeners = [];
    await closeServiceBusClients();
  }
}

function triggerOf(fn: FunctionRegistration, host: HostContext): { entity: string; subscription?: string; path: string; connection: string } {
  const where = `Function "${fn.name}"`;
  const b = fn.trigger.binding;
  if (b.isSessionsEnabled === true) throw new HostStartupError(`${where}: Service Bus sessions (isSessionsEnabled) are not supported by funclocal.`);
  const queue = b.queueName ? resolveSettingExpressions(String(b.queueName), host.settings, where) : undefined;
  const topic = b.topicName ? resolveSettingExpressions(String(b.topicName), host.settings, where) : undefined;
  const subscription = b.subscriptionName ? resolveSettingExpressions(String(b.subscriptionName), host.settings, where) : undefined;
  if (!queue && !(topic && subscription)) throw new HostStartupError(`${where}: a Service Bus trigger needs queueName, or topicName and subscriptionName.`);
  let connection: string;
  try {
    connection = serviceBusConnectionString(b, host.settings, 'Service Bus trigger');
  } catch (e) {
    throw new HostStartupError(`${where} ${(e as Error).message.replace(/^its Service Bus trigger /, 'has a Service Bus trigger that ')}`);
  }
  return queue ? { entity: queue, path: queue, connection } : { entity: topic!, subscription, path: `${topic}/Subscriptions/${subscription}`, connection };
}

function maxConcurrentCalls(host: HostContext): number {
  const sb = (((host.config.raw.extensions ?? {}) as Record<string, unknown>).serviceBus ?? {}) as Record<string, unknown>;
  const n = sb.maxConcurrentCalls;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 16;
}

/** The body as the worker expects it: text, bytes, or JSON. */
function bodyData(m: ServiceBusReceivedMessage): TypedData {
  const body: unknown = m.body;
  if (typeof body === 'string') return { string: body };
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return { bytes: body };
  return { json: JSON.stringify(body ?? null) };
}

/** Metadata the extension supplies with a message. */
function metadataOf(m: ServiceBusReceivedMessage): Record<string, TypedData> {
  const md: Record<string, TypedData> = {
    DeliveryCount: { json: String((m.deliveryCount ?? 0) + 1) },
    ApplicationProperties: { json: JSON.stringify(m.applicationProperties ?? {}) },
  };
  if (m.messageId !== undefined) md.MessageId = { string: String(m.messageId) };
  if (m.enqueuedTimeUtc) md.EnqueuedTimeUtc = { string: m.enqueuedTimeUtc.toISOString() };
  if (m.lockToken) md.LockToken = { string: m.lockToken };
  if (m.sequenceNumber !== undefined) md.SequenceNumber = { json: m.sequenceNumber.toString() };
  return md;
}
