import { resolve } from 'node:path';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { assertStaysTrue, waitFor } from '../../support/waitFor';
import { durableApi } from './durableTestClient';

const APP = resolve(__dirname, '../../fixtures/apps/durable-app');

describe('Durable orchestrations in funclocal (fixture app, real HTTP, real Azurite)', () => {
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

  it('runs a sequence of activities and shows its history', async () => {
    const id = await d.start('sequence');
    const done = await d.waitFor(id);
    expect(done).toMatchObject({ name: 'sequence', runtimeStatus: 'Completed', output: ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!'] });
    const { http, body } = await d.status(id, 'showHistory=true&showHistoryOutput=true');
    expect(http).toBe(200);
    const events = body.historyEvents!;
    expect(events.map((e) => e.EventType)).toEqual(['ExecutionStarted', 'TaskCompleted', 'TaskCompleted', 'TaskCompleted', 'ExecutionCompleted']);
    expect(events[1]).toMatchObject({ FunctionName: 'sayHello', Result: 'Hello Tokyo!' });
    expect(events[4]).toMatchObject({ OrchestrationStatus: 'Completed', Result: done.output });
  });

  it('answers 404 for an unknown instance on every verb', async () => {
    expect((await d.status('no-such-instance')).http).toBe(404);
    for (const verb of ['raiseEvent/x', 'terminate', 'suspend', 'resume']) expect(await d.post('no-such-instance', verb)).toBe(404);
    expect((await fetch(`${d.api}/instances/no-such-instance`, { method: 'DELETE' })).status).toBe(404);
    const viaLibrary = await fetch(`${host.baseUrl}/api/status/no-such-instance`);
    expect(viaLibrary.status).toBe(404);
    expect(((await viaLibrary.json()) as { error: string }).error).toMatch(/404/);
  });

  it('starts through the library client (RPC face) and hands out public management URLs', async () => {
    const res = await fetch(`${host.baseUrl}/api/orchestrators/sequence/via-library-1`, { method: 'POST' });
    expect(res.status).toBe(202);
    const links = (await res.json()) as Record<string, string>;
    expect(links.id).toBe('via-library-1');
    expect(links.statusQueryGetUri).toMatch(new RegExp(`^http://localhost:${host.port}/runtime/webhooks/durabletask/instances/via-library-1\\?`));
    await d.waitFor('via-library-1');
    const status = (await (await fetch(links.statusQueryGetUri)).json()) as { runtimeStatus: string };
    expect(status.runtimeStatus).toBe('Completed');
    const viaLibrary = (await (await fetch(`${host.baseUrl}/api/status/via-library-1`)).json()) as { output: string[]; history: unknown[] };
    expect(viaLibrary.output).toHaveLength(3);
    expect(viaLibrary.history.length).toBeGreaterThan(3);
    const again = await fetch(`${d.api}/orchestrators/sequence/via-library-1`, { method: 'POST' });
    expect(again.status).toBe(202); // a finished instance may be started again under its id
    await d.waitFor('via-library-1');
  });

  it('approval: the event wins when it comes before the timer', async () => {
    const id = await d.start('approval', { timeoutMs: 20000 });
    await d.waitFor(id, ['Running']);
    const raised = await fetch(`${host.baseUrl}/api/raise/${id}/Approval`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    expect(raised.status).toBe(202);
    const done = await d.waitFor(id, undefined, 10000);
    expect(done.output).toEqual({ approved: { by: 'alice' } });
    expect(await d.post(id, 'raiseEvent/Approval', { by: 'late' })).toBe(410);
  });

  it('approval: the durable timer wins when no event comes', async () => {
    const started = Date.now();
    const id = await d.start('approval', { timeoutMs: 1500 });
    const done = await d.waitFor(id, undefined, 10000);
    expect(done.output).toBe('timed out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    const { body } = await d.status(id, 'showHistory=true');
    expect(body.historyEvents!.map((e) => e.EventType)).toEqual(expect.arrayContaining(['TimerCreated', 'TimerFired']));
  });

  it('keeps an event raised before the orchestrator waits for it', async () => {
    const id = await d.start('lateListener');
    expect(await d.post(id, 'raiseEvent/ping', { early: true })).toBe(202);
    const done = await d.waitFor(id, undefined, 10000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { early: true } });
  });

  it('retries an activity until its third attempt succeeds', async () => {
    const id = await d.start('retrying', { key: 'third-time', failTimes: 2 });
    const done = await d.waitFor(id, undefined, 15000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { key: 'third-time', attempts: 3 } });
    const { body } = await d.status(id, 'showHistory=true');
    expect(body.historyEvents!.filter((e) => e.EventType === 'TaskFailed')).toHaveLength(2);
  });

  it('fails the instance once the retries are exhausted, after exactly maxNumberOfAttempts attempts', async () => {
    const id = await d.start('retrying', { key: 'never', failTimes: 99 });
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toMatch(/Orchestrator function 'retrying' failed: .*flaky failed: attempt 3/);
    expect(await (await fetch(`${host.baseUrl}/api/attempts/never`)).json()).toEqual({ attempts: 3 });
  });

  it('fans out to 500 activities and gathers every result', async () => {
    const id = await d.start('fanOut', 500);
    const done = await d.waitFor(id, undefined, 60000);
    expect(done.output).toEqual({ count: 500, sum: 500 * 501 });
  });

  it('surfaces a failed sub-orchestration to its parent as a catchable error', async () => {
    const id = await d.start('parentCatches');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output.caught).toMatch(/child broke on purpose/);
    expect(done.output.after).toBe('Hello after the failure!');
    const child = await d.status(`${id}:0000`);
    expect(child.body).toMatchObject({ runtimeStatus: 'Failed', name: 'childFails' });
  });

  it('returns a sub-orchestration result to its parent', async () => {
    const id = await d.start('parentOk', undefined, 'parent-ok');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.output).toEqual({ child: ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!'] });
    expect((await d.status('parent-ok-child')).body.runtimeStatus).toBe('Completed');
  });

  it('retries a failed sub-orchestration as a new child instance', async () => {
    const id = await d.start('parentRetries', undefined, 'retry-parent');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 'retry-parent-key ok on call 2' });
    expect((await d.status('retry-parent:0000')).body.runtimeStatus).toBe('Failed');
    expect((await d.status('retry-parent:0002')).body.runtimeStatus).toBe('Completed');
  });

  it('fails the instance with the message when orchestrator code throws', async () => {
    const id = await d.start('failing');
    const done = await d.waitFor(id, undefined, 10000);
    expect(done).toMatchObject({ runtimeStatus: 'Failed' });
    expect(done.output).toBe("Orchestrator function 'failing' failed: orchestrator broke on purpose");
  });

  it('carries an activity result over the queue limit (through the large-message container)', async () => {
    const id = await d.start('tooBig');
    const done = await d.waitFor(id, undefined, 15000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe('no error');
  });

  it('delivers an event to the current execution after continue-as-new', async () => {
    const id = await d.start('eventAfterRestart');
    const running = await d.waitFor(id, ['Running']);
    expect(running.input).toBeDefined();
    // Raise the event only once the instance runs its second execution (input 2).
    await waitFor(async () => (await d.status(id)).body.input === 2, { timeoutMs: 10_000, describe: 'the instance to continue as new with input 2' });
    expect(await d.post(id, 'raiseEvent/hello', 'second execution')).toBe(202);
    expect((await d.waitFor(id, undefined, 10000)).output).toBe('second execution');
  });

  it('rewinds a failed instance: the failed activity runs again and the orchestration completes', async () => {
    const id = await d.start('rewindable', undefined, 'rewind-me');
    const failed = await d.waitFor(id, undefined, 10000);
    expect(failed.runtimeStatus).toBe('Failed');
    expect(await d.post(id, 'rewind?reason=fixed')).toBe(202);
    const done = await d.waitFor(id, ['Completed'], 10000);
    expect(done.output).toEqual(['Hello before!', 'rewind-me ok on call 2']);
    expect(await d.post(id, 'rewind?reason=again')).toBe(410); // the extension: 410 Gone for a completed instance
    expect(await d.post('no-such-instance', 'rewind?reason=x')).toBe(404);
  });

  it('answers the management API as the extension\'s HttpApiHandler (v2.13.7): request host, Retry-After, whole-second times, 410 on rewind', async () => {
    const byAddress = host.baseUrl.replace('//localhost:', '//127.0.0.1:');
    const started = await fetch(`${byAddress}/runtime/webhooks/durabletask/orchestrators/approval`, {
      method: 'POST', body: JSON.stringify({ timeoutMs: 30000 }), headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(202);
    const links = (await started.json()) as Record<string, string>;
    const statusUrl = `${byAddress}/runtime/webhooks/durabletask/instances/${links.id}?taskHub=FixtureHub&connection=Storage&code=funclocal`;
    expect(links.statusQueryGetUri).toBe(statusUrl);
    expect(started.headers.get('location')).toBe(statusUrl);
    expect(started.headers.get('retry-after')).toBe('10');
    expect(Object.keys(links).sort()).toEqual(['id', 'purgeHistoryDeleteUri', 'restartPostUri', 'resumePostUri', 'sendEventPostUri', 'statusQueryGetUri', 'suspendPostUri', 'terminatePostUri']);

    await d.waitFor(links.id, ['Running']);
    const running = await fetch(statusUrl);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(statusUrl);
    expect(running.headers.get('retry-after')).toBe('5');
    const body = (await running.json()) as { createdTime: string; lastUpdatedTime: string };
    expect(body.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.lastUpdatedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    expect(await d.post(links.id, 'rewind?reason=not-failed')).toBe(412); // running: not rewindable (the extension: 500)
    expect(await d.post(links.id, 'terminate?reason=done')).toBe(202);
    await d.waitFor(links.id, ['Terminated']);
    expect(await d.post(links.id, 'rewind?reason=too-late')).toBe(410);
  });

  it('restarts an instance with the same input under a new id', async () => {
    const id = await d.start('counter', { n: 3, max: 3 }, 'restart-me');
    await d.waitFor(id);
    const res = await fetch(`${d.api}/instances/${id}/restart`, { method: 'POST' });
    expect(res.status).toBe(202);
    const { id: fresh } = (await res.json()) as { id: string };
    expect(fresh).not.toBe(id);
    expect(await d.waitFor(fresh)).toMatchObject({ runtimeStatus: 'Completed', output: 3, input: { n: 3, max: 3 } });
  });

  it('runs Durable entities: signals from clients and orchestrators, calls with results, state reads', async () => {
    const entity = `${d.api}/entities/tally/c1`;
    expect((await fetch(entity)).status).toBe(404);
    expect((await fetch(`${entity}?op=add`, { method: 'POST', body: '5' })).status).toBe(202);
    await waitFor(async () => (await fetch(entity)).status === 200, { timeoutMs: 10_000, describe: 'entity tally/c1 to exist after its first signal' });
    expect(await (await fetch(entity)).json()).toBe(5);
    const id = await d.start('useCounter', 'c1');
    const done = await d.waitFor(id, undefined, 10000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 15 }); // the signal sent before the call is applied first
    // The signal sent as the orchestration ended still arrives.
    await waitFor(async () => (await (await fetch(entity)).json()) === 16, { timeoutMs: 10_000, describe: 'the signal sent as the orchestration ended to bring tally/c1 to 16' });
    expect((await fetch(`${host.baseUrl}/api/entity/tally/c1?op=add`, { method: 'POST', body: '4' })).status).toBe(202);
    let state: { entityExists: boolean; entityState: number } | undefined;
    await waitFor(async () => {
      state = (await (await fetch(`${host.baseUrl}/api/entity/tally/c1`)).json()) as typeof state;
      return state!.entityState === 20;
    }, { timeoutMs: 10_000, describe: () => `the client's signal to bring tally/c1 to 20 (last read: ${JSON.stringify(state)})` });
    expect(state).toEqual({ entityExists: true, entityState: 20 });
    expect(await (await fetch(`${host.baseUrl}/api/entity/tally/none`)).json()).toEqual({ entityExists: false });
    const listed = (await (await fetch(`${d.api}/instances`)).json()) as Array<{ instanceId: string }>;
    expect(listed.some((s) => s.instanceId.startsWith('@'))).toBe(false);
  });

  it('continues as new, keeping the custom status of the last round', async () => {
    const id = await d.start('counter', { n: 1, max: 4 });
    const done = await d.waitFor(id, undefined, 20000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 4, customStatus: { round: 4, of: 4 } });
    const { body } = await d.status(id, 'showHistory=true&showHistoryOutput=true');
    const started = body.historyEvents!.filter((e) => e.EventType === 'ExecutionStarted');
    expect(started).toEqual([expect.objectContaining({ Input: { n: 4, max: 4 } })]); // only the last execution's history
  });

  it('terminates a running instance; a second terminate answers 410', async () => {
    const id = await d.start('waiter');
    await d.waitFor(id, ['Running']);
    expect((await fetch(`${host.baseUrl}/api/manage/${id}/terminate`, { method: 'POST' })).status).toBe(202);
    const done = await d.waitFor(id, ['Terminated'], 10000);
    expect(done.output).toBe('stopped by test');
    expect(await d.post(id, 'terminate?reason=again')).toBe(410);
  });

  it('suspends and resumes; events raised while suspended wait for the resume', async () => {
    const id = await d.start('waiter');
    const running = await d.waitFor(id, ['Running']);
    expect(running.customStatus).toBe('waiting for go');
    expect(await d.post(id, 'suspend?reason=hold')).toBe(202);
    await d.waitFor(id, ['Suspended'], 10000);
    expect(await d.post(id, 'raiseEvent/go', 'while suspended')).toBe(202);
    // Asserts that the event does NOT resume the instance: nothing to wait for, so watch it for
    // a bounded time, several of the host's queue polls, in which a wrongly delivered event would act.
    await assertStaysTrue(async () => (await d.status(id)).body.runtimeStatus === 'Suspended', { forMs: 1_200, intervalMs: 100, describe: 'the instance to stay Suspended with an event pending' });
    expect((await fetch(`${host.baseUrl}/api/manage/${id}/resume`, { method: 'POST' })).status).toBe(202);
    const done = await d.waitFor(id, undefined, 10000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { data: 'while suspended', greeting: 'Hello while suspended!' } });
  });

  it('queries by status and creation time, page by page with continuation tokens', async () => {
    const from = new Date(Date.now() - 1000);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await d.start('sequence', undefined, `query-${i}`));
    for (const id of ids) await d.waitFor(id);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res: Response = await fetch(`${d.api}/instances?runtimeStatus=Completed&createdTimeFrom=${from.toISOString()}&top=2`, {
        headers: token ? { 'x-ms-continuation-token': token } : {},
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Array<{ instanceId: string; runtimeStatus: string }>;
      expect(page.length).toBeLessThanOrEqual(2);
      expect(page.every((s) => s.runtimeStatus === 'Completed')).toBe(true);
      seen.push(...page.map((s) => s.instanceId));
      token = res.headers.get('x-ms-continuation-token');
      pages++;
    } while (token);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expect.arrayContaining(ids));
    const future = await (await fetch(`${d.api}/instances?createdTimeFrom=${new Date(Date.now() + 60000).toISOString()}`)).json();
    expect(future).toEqual([]);
    // the library pages through the same tokens on its own
    const viaLibrary = (await (await fetch(`${host.baseUrl}/api/instances?status=Completed`)).json()) as string[];
    expect(viaLibrary).toEqual(expect.arrayContaining(ids));
    expect((await fetch(`${d.api}/instances?runtimeStatus=Bogus`)).status).toBe(400);
    const byPrefix = (await (await fetch(`${d.api}/instances?instanceIdPrefix=query-&showInput=false`)).json()) as Array<{ instanceId: string; input: unknown }>;
    expect(byPrefix.map((s) => s.instanceId).sort()).toEqual([...ids].sort());
    expect(byPrefix.every((s) => s.input === null)).toBe(true);
    const purged = await fetch(`${d.api}/instances?runtimeStatus=Completed&createdTimeFrom=${from.toISOString()}`, { method: 'DELETE' });
    expect(((await purged.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(5);
    for (const id of ids) expect((await d.status(id)).http).toBe(404);
  });

  it('purges a finished instance and refuses to purge a running one', async () => {
    const id = await d.start('sequence', undefined, 'purge-me');
    await d.waitFor(id);
    const purged = await fetch(`${host.baseUrl}/api/manage/${id}/purge`, { method: 'POST' });
    expect(await purged.json()).toEqual({ instancesDeleted: 1 });
    expect((await d.status(id)).http).toBe(404);
    const running = await d.start('waiter');
    await d.waitFor(running, ['Running']);
    expect((await fetch(`${d.api}/instances/${running}`, { method: 'DELETE' })).status).toBe(409);
    await d.post(running, 'terminate?reason=cleanup');
  });

  it('refuses to start an unknown orchestrator or a second instance under a running id', async () => {
    const res = await fetch(`${d.api}/orchestrators/noSuchOrchestrator`, { method: 'POST' });
    expect(res.status).toBe(404);
    await d.start('waiter', undefined, 'busy-id');
    const again = await fetch(`${d.api}/orchestrators/waiter/busy-id`, { method: 'POST' });
    expect(again.status).toBe(409);
    await d.post('busy-id', 'terminate?reason=cleanup');
  });
});
