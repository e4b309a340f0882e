import { resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { waitFor } from '../../support/waitFor';
import { durableApi } from './durableTestClient';

const APP = resolve(__dirname, '../../fixtures/apps/durable-fidelity');
const LARGE_CONTAINER = 'fidelityhub-largemessages';

describe('funclocal Durable fidelity: failure details, large messages, callHttp, entity locks (fixture app, real Azurite)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal;
  let d: ReturnType<typeof durableApi>;
  beforeAll(async () => {
    azurite = await startAzurite();
    host = await startFunclocal({ app: APP, storage: azurite.connectionString });
    d = durableApi(host.baseUrl);
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  const largeBlobs = async (instanceId: string) => {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(LARGE_CONTAINER);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: `${encodeURIComponent(instanceId)}/` })) names.push(b.name);
    return names;
  };

  it('an orchestrator catching an activity failure sees TaskFailedError with failureDetails', async () => {
    const id = await d.start('catchActivityFailure');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({
      isTaskFailedError: true,
      name: 'TaskFailedError',
      message: 'DiskMissingError: disk d1 is gone',
      errorType: 'DiskMissingError',
      errorMessage: 'disk d1 is gone',
      hasStack: true,
      innerErrorMessage: '404 from storage',
    });
  });

  it('an orchestrator catching a sub-orchestration failure sees TaskFailedError with the child\'s failure', async () => {
    const id = await d.start('catchSubOrchestrationFailure');
    const done = await d.waitFor(id, undefined, 20000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output.childThrows).toMatchObject({ isTaskFailedError: true, errorType: 'Error', errorMessage: 'child broke on purpose' });
    expect(done.output.childRethrowsActivityFailure).toMatchObject({ isTaskFailedError: true, errorType: 'DiskMissingError', errorMessage: 'disk d2 is gone' });
  });

  it('an uncaught activity failure fails the instance with the error type and message', async () => {
    const id = await d.start('uncaughtActivityFailure');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toBe("Orchestrator function 'uncaughtActivityFailure' failed: DiskMissingError: disk d3 is gone");
    const { body } = await d.status(id, 'showHistory=true');
    const failed = body.historyEvents!.find((e) => e.EventType === 'TaskFailed');
    expect(failed).toMatchObject({ FunctionName: 'failWithCause' });
  });

  it('moves a 200 KB input and a 300 KB output through the large-message container and deletes them on purge', async () => {
    const data = 'x'.repeat(200 * 1024);
    const id = await d.start('largePayloads', { data, outChars: 300 * 1024, holdMs: 1500 });
    // While the activity holds, the large ExecutionStarted / work item sit in the container.
    await waitFor(async () => (await largeBlobs(id)).length > 0, { timeoutMs: 10000, describe: `a large message of ${id} in ${LARGE_CONTAINER}` });
    const done = await d.waitFor(id, undefined, 30000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output.inputChars).toBe(200 * 1024);
    expect(done.output.output).toHaveLength(300 * 1024);
    expect((await largeBlobs(id)).length).toBeGreaterThanOrEqual(3); // start, work item, completion
    const purged = await fetch(`${d.api}/instances/${id}`, { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(await largeBlobs(id)).toEqual([]);
  });

  it('runs an orchestration with a 1 MiB input (history and instance rows keep it in a blob)', async () => {
    const id = await d.start('largePayloads', { data: 'z'.repeat(1024 * 1024), outChars: 10, holdMs: 0 });
    const done = await d.waitFor(id, undefined, 30000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ inputChars: 1024 * 1024, output: 'y'.repeat(10) });
    expect(((await d.status(id)).body.input as { data: string }).data).toHaveLength(1024 * 1024);
  });

  it('callHttp sends the request and polls a 202 + Location answer until it is done (durable HTTP)', async () => {
    const started = Date.now();
    const id = await d.start('callHttpPolling', { url: `${host.baseUrl}/api/slowJob/k1` });
    const done = await d.waitFor(id, undefined, 20000);
    expect(done.runtimeStatus).toBe('Completed');
    const poll = { method: 'GET', hasFunctionsKey: false, trace: 't1' }; // the extension's poll: GET, headers kept but the functions key
    expect(done.output).toMatchObject({ statusCode: 200, content: { state: 'done', started: '{"disk":"d1"}', polls: [poll, poll] } });
    expect(done.output.contentType).toMatch(/^application\/json/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // Retry-After: 1, twice
    const { body } = await d.status(id, 'showHistory=true');
    expect(body.historyEvents!.find((e) => e.EventType === 'TaskCompleted')).toMatchObject({ FunctionName: 'BuiltIn::HttpActivity' });
  });

  it('callHttp to an unreachable URL fails the task with TaskFailedError', async () => {
    const id = await d.start('callHttpUnreachable', { url: 'http://127.0.0.1:1/nothing' });
    const done = await d.waitFor(id, undefined, 20000);
    expect(done.output).toMatchObject({ isTaskFailedError: true, errorMessage: expect.stringMatching(/fetch failed/) });
  });

  const signalAccount = async (key: string, amount: number) => {
    const res = await fetch(`${d.api}/entities/account/${key}?op=add`, { method: 'POST', body: JSON.stringify(amount) });
    expect(res.status).toBe(202);
  };
  const account = async (key: string) => {
    const res = await fetch(`${d.api}/entities/account/${key}`);
    return res.status === 200 ? (await res.json()) as { balance: number; log: string[] } : undefined;
  };

  it('context.df.lock holds both entities: a signal sent during the critical section runs after its release', async () => {
    await signalAccount('a1', 100);
    await waitFor(async () => (await account('a1'))?.balance === 100, { timeoutMs: 10000, describe: 'account a1 funded' });
    const id = await d.start('transferWithLock', { from: 'a1', to: 'b1', amount: 30, holdMs: 1500 });
    await d.waitFor(id, ['Running'], 10000).then(async () => waitFor(async () => (await d.status(id)).body.customStatus === 'locked',
      { timeoutMs: 10000, describe: 'transfer inside its critical section' }));
    // Sent while the orchestration holds the lock: it must wait for the release, not run in the middle.
    await signalAccount('a1', 1000);
    await signalAccount('b1', 5);
    const done = await d.waitFor(id, undefined, 20000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ before: 100, locked: true, ownedLocks: ['account/a1', 'account/b1'], afterRelease: false });
    await waitFor(async () => (await account('a1'))?.balance === 1070 && (await account('b1'))?.balance === 35, { timeoutMs: 10000, describe: 'signals applied after the release' });
    expect((await account('a1'))!.log).toEqual(['add 100', 'get', 'add -30', 'add 1000']);
    expect((await account('b1'))!.log).toEqual(['add 30', 'add 5']);
  });

  it('an orchestration that ends holding a lock releases it: the next lock and signals go through', async () => {
    const first = await d.start('lockAndEnd', 'c1');
    expect((await d.waitFor(first, undefined, 15000)).runtimeStatus).toBe('Completed');
    await signalAccount('c1', 7);
    const second = await d.start('lockAndEnd', 'c1');
    const done = await d.waitFor(second, undefined, 15000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed' });
    await waitFor(async () => (await account('c1'))?.balance === 7, { timeoutMs: 10000, describe: 'signal to c1 applied after the lock was given back' });
  });
});
