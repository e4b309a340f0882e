import { join, resolve } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { assertStaysTrue } from '../../support/waitFor';
import { readRecords, waitFor } from './triggerRecords';

const APP = resolve(__dirname, '../../fixtures/apps/queue-app');
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('funclocal storage queue trigger (fixture app over real Azurite)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  let dir: { path: string; cleanup(): void };
  let records: string;
  let queues: QueueServiceClient;

  beforeAll(async () => {
    dir = tempDir('queuetrigger-');
    records = join(dir.path, 'records.jsonl');
    azurite = await startAzurite();
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { FIXTURE_RECORD_FILE: records } });
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    dir?.cleanup();
  });

  it('creates the queues it listens on', async () => {
    const names = await waitFor('both queues', async () => {
      const found: string[] = [];
      for await (const q of queues.listQueues()) found.push(q.name);
      return found.includes('work-items') && found.includes('doomed') && found;
    });
    expect(names).not.toContain('work-items-poison');
  });

  it('delivers a base64 JSON message with its metadata, then deletes it', async () => {
    const queue = queues.getQueueClient('work-items');
    const sent = await queue.sendMessage(b64(JSON.stringify({ vm: 'db01', step: 3 })));
    const got = await waitFor('the message', () => readRecords(records, 'onWork').find((r) => r.id === sent.messageId));
    expect(got).toMatchObject({ message: { vm: 'db01', step: 3 }, dequeueCount: 1 });
    expect(Date.parse(String(got.insertionTime))).toBe(sent.insertedOn.getTime());
    expect(Date.parse(String(got.expirationTime))).toBe(sent.expiresOn.getTime());
    expect(Date.parse(String(got.nextVisibleTime))).toBeGreaterThan(Date.now() - 60000);
    expect(typeof got.popReceipt).toBe('string');
    await waitFor('the message to be deleted', async () => (await queue.getProperties()).approximateMessagesCount === 0);
  });

  it('passes text that is not base64 through as it is', async () => {
    const queue = queues.getQueueClient('work-items');
    const sent = await queue.sendMessage('plain text, not base64!');
    const got = await waitFor('the raw message', () => readRecords(records, 'onWork').find((r) => r.id === sent.messageId));
    expect(got.message).toBe('plain text, not base64!');
  });

  it('delivers a batch of messages once each', async () => {
    const queue = queues.getQueueClient('work-items');
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.sendMessage(b64(`batch-${i}`)).then((r) => r.messageId)));
    await waitFor('20 messages', () => ids.every((id) => readRecords(records, 'onWork').some((r) => r.id === id)));
    // Once each: no redelivery may follow. Nothing to wait for, so watch a bounded time: half a
    // second is several of the host's queue polls, in which a message not deleted would come back.
    await assertStaysTrue(() => readRecords(records, 'onWork').filter((r) => ids.includes(String(r.id))).length === 20, { forMs: 500, intervalMs: 50, describe: 'the 20 messages to stay delivered once each' });
  });

  it('retries a failing message and moves it to <queue>-poison on dequeue count 5', async () => {
    await queues.getQueueClient('doomed').sendMessage(b64('{"vm":"broken"}'));
    const tries = await waitFor('5 tries', () => readRecords(records, 'onDoomed').length >= 5 && readRecords(records, 'onDoomed'));
    expect(tries.map((t) => t.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
    expect(tries[0].message).toEqual({ vm: 'broken' });
    const poison = queues.getQueueClient('doomed-poison');
    const peeked = await waitFor('the poison message', async () => {
      const res = await poison.peekMessages().catch(() => undefined);
      return res && res.peekedMessageItems.length > 0 ? res.peekedMessageItems : undefined;
    });
    expect(Buffer.from(peeked[0].messageText, 'base64').toString()).toBe('{"vm":"broken"}');
    // Moved: the copy goes to the poison queue first, then the original is deleted (as the
    // extension does: at least once), so the source may hold it for a moment after the peek.
    await waitFor('the poisoned message to leave doomed', async () => (await queues.getQueueClient('doomed').getProperties()).approximateMessagesCount === 0);
    // Moved, not retried again: watch several queue polls for a 6th try.
    await assertStaysTrue(() => readRecords(records, 'onDoomed').length === 5, { forMs: 800, intervalMs: 50, describe: 'the poisoned message to stay at 5 tries' });
  });

  it('on SIGTERM stops polling but lets a running invocation finish and delete its message', async () => {
    const slow = queues.getQueueClient('slow');
    await slow.sendMessage(b64('"take your time"'));
    await waitFor('the slow handler to start', () => readRecords(records, 'onSlow').length === 1);
    await host.stop();
    expect(readRecords(records, 'onSlow').map((r) => r.phase)).toEqual(['started', 'finished']);
    expect(host.logs()).toMatch(/SIGTERM: stopping/);
    const left = await slow.peekMessages();
    expect(left.peekedMessageItems).toHaveLength(0);
    expect((await slow.getProperties()).approximateMessagesCount).toBe(0);
  });
});
