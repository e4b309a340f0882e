import { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { resolveSettingExpressions } from '../core/HostConfig';
import { HostStartupError } from '../core/HostStartupError';
import { TypedData } from '../core/TypedData';
import { decodeQueueMessage, QueueMessageEncoding } from './queueMessageEncoding';
import { queueServiceFor } from './StorageClients';
import { STOP_GRACE_MS, WorkTracker } from './WorkTracker';

/** The shortest pause between polls of an empty queue; doubles up to maxPollingInterval. */
const MIN_POLL_MS = 100;

interface QueueWatch {
  fn: FunctionRegistration;
  queue: QueueClient;
  poison: QueueClient;
  /** Each function fetches its own batches, so each counts its own running messages. */
  work: WorkTracker;
}

interface QueueOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  encoding: QueueMessageEncoding;
  /** How long a received message stays invisible to others while this host runs it. */
  leaseSeconds: number;
}

/**
 * Storage queue triggers. Each function polls its queue with exponential backoff while empty,
 * fetches `batchSize` messages and a new batch once its running messages drop to
 * `newBatchThreshold`. Success deletes the message; a failure makes it visible again after
 * `visibilityTimeout`; the try whose DequeueCount reaches `maxDequeueCount` moves it to
 * `<queue>-poison`. Queues that do not exist are created.
 */
export class QueueTriggerKind implements TriggerKind {
  readonly name = 'queue';
  readonly triggerTypes = ['queuetrigger'] as const;
  private host?: HostContext;
  private options?: QueueOptions;
  private watches: QueueWatch[] = [];
  private loops: Promise<void>[] = [];

  check(fn: FunctionRegistration, host: HostContext): void {
    queueTriggerOf(fn, host);
  }

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    this.host = host;
    this.options = queueOptions(host);
    for (const fn of functions) {
      const { name, connection } = queueTriggerOf(fn, host);
      const service = queueServiceFor(connection);
      this.watches.push({ fn, queue: service.getQueueClient(name), poison: service.getQueueClient(`${name}-poison`), work: new WorkTracker() });
      host.logger.log('information', `Queue trigger on ${name} (batch ${this.options.batchSize}, poison after ${this.options.maxDequeueCount} tries)`, { functionName: fn.name });
    }
    this.loops = this.watches.map((w) => this.listen(w));
  }

  async stop(): Promise<void> {
    const left = (await Promise.all(this.watches.map((w) => w.work.stop(STOP_GRACE_MS)))).reduce((a, b) => a + b, 0);
    await Promise.all(this.loops);
    if (left > 0) this.host?.logger.log('warning', `Stopped with ${left} queue message(s) still running; they become visible again after their lease.`);
  }

  private async listen(w: QueueWatch): Promise<void> {
    const { logger, config } = this.host!;
    const o = this.options!;
    const scope = { functionName: w.fn.name };
    let idle = MIN_POLL_MS;
    let created = false;
    while (!w.work.stopping) {
      try {
        if (!created) {
          await w.queue.createIfNotExists();
          created = true;
        }
        await w.work.whenBelow(o.newBatchThreshold + 1);
        if (w.work.stopping) break;
        const { receivedMessageItems: messages } = await w.queue.receiveMessages({ numberOfMessages: o.batchSize, visibilityTimeout: o.leaseSeconds });
        if (messages.length === 0) {
          await w.work.sleep(idle);
          idle = Math.min(idle * 2, config.maxPollingIntervalMs);
          continue;
        }
        idle = MIN_POLL_MS;
        for (const m of messages) {
          void w.work.track(() => this.process(w, m).catch((e: unknown) => {
            // Storage trouble after the run (e.g. the lease ran out): the message becomes visible again by itself.
            logger.log('warning', `Message ${m.messageId}: ${(e as Error).message}`, scope);
          }));
        }
      } catch (e) {
        logger.log('warning', `Polling queue ${w.queue.name} failed: ${(e as Error).message}`, scope);
        await w.work.sleep(config.maxPollingIntervalMs);
      }
    }
  }

  private async process(w: QueueWatch, m: DequeuedMessageItem): Promise<void> {
    const { logger, config, invoker } = this.host!;
    const o = this.options!;
    const scope = { functionName: w.fn.name };
    // A message that already used up its tries (e.g. its host crashed mid-run) goes straight to poison.
    if (m.dequeueCount > o.maxDequeueCount) {
      await this.poison(w, m);
      return;
    }
    const { text, raw } = decodeQueueMessage(m.messageText, o.encoding);
    if (raw) logger.log('debug', `Message ${m.messageId} is not base64; passing its raw text`, scope);
    try {
      await invoker.invoke(w.fn, {
        inputData: [{ name: w.fn.trigger.name, data: { string: text } }],
        triggerMetadata: queueTriggerMetadata(m, text),
      });
    } catch {
      if (m.dequeueCount >= o.maxDequeueCount) {
        await this.poison(w, m);
      } else {
        logger.log('warning', `Message ${m.messageId} failed on try ${m.dequeueCount} of ${o.maxDequeueCount}`, scope);
        await w.queue.updateMessage(m.messageId, m.popReceipt, m.messageText, Math.ceil(config.visibilityTimeoutMs / 1000));
      }
      return;
    }
    await w.queue.deleteMessage(m.messageId, m.popReceipt);
  }

  /** Copies the message, unchanged, to `<queue>-poison`, then deletes the original. */
  private async poison(w: QueueWatch, m: DequeuedMessageItem): Promise<void> {
    await w.poison.createIfNotExists();
    await w.poison.sendMessage(m.messageText);
    await w.queue.deleteMessage(m.messageId, m.popReceipt);
    this.host!.logger.log('error', `Message ${m.messageId} failed ${m.dequeueCount} time(s); moved to queue ${w.poison.name}`, { functionName: w.fn.name });
  }
}

function queueOptions(host: HostContext): QueueOptions {
  const q = (((host.config.raw.extensions ?? {}) as Record<string, unknown>).queues ?? {}) as Record<string, unknown>;
  const int = (v: unknown, fallback: number, max = Infinity) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, max) : fallback;
  const batchSize = Math.max(1, int(q.batchSize, 16, 32));
  const encoding = q.messageEncoding === undefined ? 'base64' : String(q.messageEncoding).toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new HostStartupError(`host.json extensions.queues.messageEncoding is "${String(q.messageEncoding)}": use "base64" (default) or "none".`);
  }
  return {
    batchSize,
    newBatchThreshold: int(q.newBatchThreshold, Math.floor(batchSize / 2)),
    maxDequeueCount: Math.max(1, host.config.maxDequeueCount),
    encoding,
    leaseSeconds: Math.max(600, Math.ceil((host.config.functionTimeoutMs ?? 0) / 1000) + 60),
  };
}

/** Metadata Azure supplies with a queue message. */
function queueTriggerMetadata(m: DequeuedMessageItem, text: string): Record<string, TypedData> {
  return {
    QueueTrigger: { string: text },
    Id: { string: m.messageId },
    DequeueCount: { json: String(m.dequeueCount) },
    InsertionTime: { string: m.insertedOn.toISOString() },
    ExpirationTime: { string: m.expiresOn.toISOString() },
    NextVisibleTime: { string: m.nextVisibleOn.toISOString() },
    PopReceipt: { string: m.popReceipt },
  };
}

/** The function's queue name and connection, or a throw naming what is wrong. */
function queueTriggerOf(fn: FunctionRegistration, host: HostContext): { name: string; connection: string } {
  const where = `Function "${fn.name}"`;
  const name = resolveSettingExpressions(String(fn.trigger.binding.queueName ?? ''), host.settings, where);
  if (!/^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(name)) {
    throw new HostStartupError(`${where}: queue name "${name}" is invalid: use 3-63 lower-case letters, digits and single hyphens.`);
  }
  return { name, connection: host.connectionString(fn.trigger.binding.connection as string | undefined) };
}
