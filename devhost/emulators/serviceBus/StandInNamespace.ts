import { randomUUID } from 'node:crypto';
import type { Message } from 'rhea';
import { MessageEntity } from './MessageEntity';
import type { ServiceBusStandInConfig } from './serviceBusStandInConfig';

const DLQ = '/$deadletterqueue';

interface Subscription {
  name: string;
  filter?: Record<string, string | number | boolean>;
  entity: MessageEntity;
}

function receivableWithDeadLetter(path: string, limits: { maxDeliveryCount: number; lockDurationSeconds: number }): MessageEntity {
  return new MessageEntity(path, limits, new MessageEntity(`${path}/$DeadLetterQueue`, limits));
}

/** Whether a message's application properties equal every value of a subscription's filter. */
function matches(filter: Subscription['filter'], message: Message): boolean {
  if (!filter) return true;
  const props = (message.application_properties ?? {}) as Record<string, unknown>;
  return Object.entries(filter).every(([k, v]) => props[k] === v);
}

/**
 * The entities of the stand-in namespace, by the addresses the Service Bus client uses
 * (case-insensitive, as Service Bus's are): `queue`, `topic`, `topic/Subscriptions/sub`, and
 * each receivable's `…/$DeadLetterQueue`.
 */
export class StandInNamespace {
  private readonly queues = new Map<string, MessageEntity>();
  private readonly topics = new Map<string, Subscription[]>();
  private sequence = 0;

  constructor(config: ServiceBusStandInConfig) {
    for (const q of config.queues) this.queues.set(q.name.toLowerCase(), receivableWithDeadLetter(q.name, q));
    for (const t of config.topics) {
      this.topics.set(t.name.toLowerCase(), t.subscriptions.map((s) => ({
        name: s.name, filter: s.filter, entity: receivableWithDeadLetter(`${t.name}/Subscriptions/${s.name}`, s),
      })));
    }
  }

  /** Every queue, subscription and dead-letter queue. */
  entities(): MessageEntity[] {
    const main = [...this.queues.values(), ...[...this.topics.values()].flat().map((s) => s.entity)];
    return [...main, ...main.map((e) => e.deadLetter!)];
  }

  /** The queue, subscription or dead-letter queue a receiver link names, if declared. */
  receivable(address: string): MessageEntity | undefined {
    let path = address.toLowerCase();
    const dead = path.endsWith(DLQ);
    if (dead) path = path.slice(0, -DLQ.length);
    const sub = /^([^/]+)\/subscriptions\/([^/]+)$/.exec(path);
    const entity = sub ? this.topics.get(sub[1])?.find((s) => s.name.toLowerCase() === sub[2])?.entity : this.queues.get(path);
    return dead ? entity?.deadLetter : entity;
  }

  /** Whether a sender link may send to `address` (a declared queue or topic). */
  accepts(address: string): boolean {
    const path = address.toLowerCase();
    return this.queues.has(path) || this.topics.has(path);
  }

  /** Stores a sent message: in the queue, or in each subscription of the topic whose filter matches. */
  send(address: string, message: Message): void {
    const path = address.toLowerCase();
    const enqueuedAt = new Date();
    // Service Bus gives a message without an id one (the client's lock renewal keys on it).
    if (message.message_id === undefined || message.message_id === null) message = { ...message, message_id: randomUUID().replace(/-/g, '') };
    const sequenceNumber = ++this.sequence;
    const targets = this.queues.has(path)
      ? [this.queues.get(path)!]
      : (this.topics.get(path) ?? []).filter((s) => matches(s.filter, message)).map((s) => s.entity);
    for (const entity of targets) entity.enqueue({ sequenceNumber, enqueuedAt, message, deliveryCount: 0 });
  }

  close(): void {
    for (const e of this.entities()) e.close();
  }
}
