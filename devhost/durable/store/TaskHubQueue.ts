import { QueueClient, QueueServiceClient, RestError } from '@azure/storage-queue';
import { DurableStoreError } from './DurableStoreError';

/** A message taken from a queue: its body and what is needed to delete or extend it. */
export interface ReceivedMessage<T> {
  body: T;
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
}

/** Azure Queue limit: 64 KiB per message. */
const MAX_MESSAGE_CHARS = 60 * 1024;
/** Azure Queue limit: a message may be hidden for at most 7 days. */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** One queue of the task hub carrying JSON messages. */
export class TaskHubQueue<T> {
  private readonly client: QueueClient;

  constructor(connectionString: string, name: string) {
    this.client = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(name);
  }

  get name(): string {
    return this.client.name;
  }

  async ensure(): Promise<void> {
    await this.client.createIfNotExists();
  }

  /** Sends a message, hidden for `delaySeconds` (timers). */
  async send(body: T, delaySeconds = 0): Promise<void> {
    const text = JSON.stringify(body);
    if (text.length > MAX_MESSAGE_CHARS) {
      throw new DurableStoreError('PayloadTooLarge', `A Durable message of ${text.length} characters exceeds the queue limit (64 KiB): keep orchestration and activity payloads small (pass blob names, not data).`);
    }
    await this.client.sendMessage(text, { visibilityTimeout: Math.min(Math.max(0, Math.floor(delaySeconds)), MAX_VISIBILITY_SECONDS) });
  }

  async receive(count: number, visibilitySeconds: number): Promise<Array<ReceivedMessage<T>>> {
    const r = await this.client.receiveMessages({ numberOfMessages: Math.min(32, Math.max(1, count)), visibilityTimeout: visibilitySeconds });
    return r.receivedMessageItems.map((m) => ({ body: JSON.parse(m.messageText) as T, messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount }));
  }

  /** Hides a held message for longer, optionally replacing its body; keeps the new pop receipt. */
  async extend(m: ReceivedMessage<T>, visibilitySeconds: number, body?: T): Promise<void> {
    const r = await this.client.updateMessage(m.messageId, m.popReceipt, body === undefined ? undefined : JSON.stringify(body), visibilitySeconds);
    m.popReceipt = r.popReceipt!;
    if (body !== undefined) m.body = body;
  }

  /** Deletes a handled message; a message that was redelivered meanwhile stays (it is recognised later). */
  async delete(m: ReceivedMessage<T>): Promise<void> {
    try { await this.client.deleteMessage(m.messageId, m.popReceipt); } catch (e) {
      const s = (e as RestError).statusCode;
      if (s !== 404 && s !== 400) throw e;
    }
  }
}
