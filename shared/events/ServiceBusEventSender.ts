import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import type { EventDocument } from '../metadata';
import { webhookBody } from './WebhookSender';

/** Sends one event to the events topic; resolves when Service Bus accepted it, throws otherwise. */
export interface EventTopicSender {
  /** The target's id in an event's `deliveredTo` (`servicebus:<topic>`). */
  readonly id: string;
  send(event: EventDocument, vaultName: string): Promise<void>;
  close(): Promise<void>;
}

/** The message for one event: its stable name as message id, properties subscriptions can filter on. */
export function serviceBusMessageOf(event: EventDocument, vaultName: string): ServiceBusMessage {
  const p = event.properties;
  return {
    messageId: event.name,
    contentType: 'application/json',
    subject: p.eventCode,
    body: webhookBody(event, vaultName),
    applicationProperties: {
      vault: vaultName, type: p.eventType, eventCode: p.eventCode, severity: p.severity,
      affectedObject: p.affectedObjectFriendlyName, affectedObjectCorrelationId: p.affectedObjectCorrelationId,
    },
  };
}

/** Where the events topic is: a connection string (local stand-in, keys) or a namespace reached with the app's identity. */
export type ServiceBusConnection = { connectionString: string; topic: string } | { fullyQualifiedNamespace: string; topic: string };

/**
 * The real @azure/service-bus sender on the events topic. One message per event, sent alone
 * (not batched) so that an object's events are accepted in the dispatcher's order.
 */
export class ServiceBusEventSender implements EventTopicSender {
  readonly id: string;
  private readonly client: ServiceBusClient;
  private readonly sender: ServiceBusSender;

  constructor(connection: ServiceBusConnection) {
    this.client = 'connectionString' in connection
      ? new ServiceBusClient(connection.connectionString)
      : new ServiceBusClient(connection.fullyQualifiedNamespace, new DefaultAzureCredential());
    this.sender = this.client.createSender(connection.topic);
    this.id = `servicebus:${connection.topic}`;
  }

  async send(event: EventDocument, vaultName: string): Promise<void> {
    await this.sender.sendMessages(serviceBusMessageOf(event, vaultName));
  }

  async close(): Promise<void> {
    await this.sender.close();
    await this.client.close();
  }
}

/** The app settings naming the events topic's namespace (`ASR_SERVICEBUS_CONNECTION`, or its `__fullyQualifiedNamespace` form in Azure). */
export function serviceBusConnectionFromEnv(env: NodeJS.ProcessEnv): ServiceBusConnection | undefined {
  const topic = env.ASR_SERVICEBUS_TOPIC || 'asr-events';
  const fqns = env.ASR_SERVICEBUS_CONNECTION__fullyQualifiedNamespace;
  if (fqns) return { fullyQualifiedNamespace: fqns, topic };
  const connectionString = env.ASR_SERVICEBUS_CONNECTION;
  return connectionString ? { connectionString, topic } : undefined;
}
