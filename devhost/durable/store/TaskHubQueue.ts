import { QueueClient, QueueServiceClient, RestError } from '@azure/storage-queue';
import { DurableStoreError } from './DurableStoreError';
import { LargeMessageStore } from './LargeMessageStore';

/** A message taken from a queue: its body and what is needed to delete or extend it. */
export interface ReceivedMessage<T> {
  body: T;
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
}

/** Azure Queue limit: 64 KiB per message. */
const MAX_MESSAGE_CHARS = 60 * 1024;
/**
 * Bodies above this go to the large-message blob container (DurableTask.AzureStorage moves
 * messages over 45 KiB; the rest of the 64 KiB is left for the envelope and encoding).
 */
const LARGE_MESSAGE_CHARS = 45 * 1024;

/** What the queue carries instead of a body moved to a blob. */
interface LargeMessageRef { largeMessageBlob: string }

function isLargeMessageRef(v: unknown): v is LargeMessageRef {
  return typeof v === 'object' && v !== null && typeof (v as LargeMessageRef).largeMessageBlob === 'string';
}
/** Azure Queue limit: a message may be hidden for at most 7 days. */
export const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;

/** One queue of the task hub carrying JSON messages. */
export class TaskHubQueue<T> {
  private readonly client: QueueClient;

  constructor(connectionString: string, name: string, readonly largeMessages?: LargeMessageStore) {
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
    const text = await this.encode(body);
    await this.client.sendMessage(text, { visibilityTimeout: Math.min(Math.max(0, Math.floor(delaySeconds)), MAX_VISIBILITY_SECONDS) });
  }

  /** The queue text of `body`: itself, or a reference to the blob it was moved to. */
  private async encode(body: T): Promise<string> {
    const text = JSON.stringify(body);
    if (text.length <= LARGE_MESSAGE_CHARS) return text;
    const instanceId = (body as { instanceId?: unknown }).instanceId;
    if (this.largeMessages && typeof instanceId === 'string') {
      const ref: LargeMessageRef = { largeMessageBlob: await this.largeMessages.put(instanceId, text) };
      return JSON.stringify(ref);
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      throw new DurableStoreError('PayloadTooLarge', `A Durable message of ${text.length} characters exceeds the queue limit (64 KiB) and this queue has no large-message container.`);
    }
    return text;
  }

  private async decode(text: string): Promise<T> {
    const parsed = JSON.parse(text) as unknown;
    if (!isLargeMessageRef(parsed)) return parsed as T;
    if (!this.largeMessages) throw new Error(`Message refers to large-message blob ${parsed.largeMessageBlob} but this queue has no large-message container.`);
    return JSON.parse(await this.largeMessages.get(parsed.largeMessageBlob)) as T;
  }

  async receive(count: number, visibilitySeconds: number): Promise<Array<ReceivedMessage<T>>> {
    const r = await this.client.receiveMessages({ numberOfMessages: Math.min(32, Math.max(1, count)), visibilityTimeout: visibilitySeconds });
    return Promise.all(r.receivedMessageItems.map(async (m) => ({ body: await this.decode(m.messageText), messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount })));
  }

  /** Hides a held message for longer, optionally replacing its body; keeps the new pop receipt. */
  async extend(m: ReceivedMessage<T>, visibilitySeconds: number, body?: T): Promise<void> {
    const r = await this.client.updateMessage(m.messageId, m.popReceipt, body === undefined ? undefined : await this.encode(body), visibilitySeconds);
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
