import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  acceptRunbookCallback, AutomationSettings, BlobUsedTokenLedger, buildRecoveryPlanContext, invokeRunbookWebhook, RecoveryPlanContext, runbookCallbackUrl,
  signCallbackToken, startRunbookAction, USED_TOKEN_CONTAINER, verifyCallbackToken,
} from '../../../shared/automation';
import { armErrorStatus as runbookCallbackStatus } from '../../../shared/arm';
import { ServiceError } from '../../../shared/errors';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { waitFor } from '../../support/waitFor';

const KEY = Buffer.alloc(32, 7);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('runbook actions over real HTTP: webhook, callback, single-use tokens (Azurite ledger)', () => {
  let az: TestAzurite;
  let ledger: BlobUsedTokenLedger;
  let callback: { server: Server; url: string };
  let webhook: { server: Server; url: string };
  const raised: unknown[] = [];
  const received: { path: string; context: RecoveryPlanContext }[] = [];
  const runbookAnswers: { status: number; body: string }[] = [];

  beforeAll(async () => {
    az = await startAzurite();
    ledger = new BlobUsedTokenLedger(BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(USED_TOKEN_CONTAINER));
    // The service's callback endpoint, as a function app would host it: status codes from error codes.
    callback = await listen(async (req, res) => {
      const token = new URL(req.url!, 'http://x').searchParams.get('token') ?? '';
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        body = undefined;
      }
      try {
        const { event } = await acceptRunbookCallback(token, body, { key: KEY, ledger });
        raised.push(event);
        res.writeHead(202).end();
      } catch (e) {
        const code = (e as ServiceError).code;
        res.writeHead(runbookCallbackStatus(code), { 'content-type': 'application/json' }).end(JSON.stringify({ code }));
      }
    });
    // Azure Automation's webhook, playing the runbook too: answers 202 with job ids, then calls back.
    webhook = await listen(async (req, res) => {
      const context = JSON.parse(await readBody(req)) as RecoveryPlanContext;
      received.push({ path: req.url!, context });
      if (req.url!.includes('broken')) return res.writeHead(503).end('automation is down');
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ JobIds: ['job-aa-1'] }));
      const r = await fetch(context.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Succeeded', output: `started app tier on ${Object.values(context.VmMap).map((v) => v.IPAddresses[0]).join(',')}` }) });
      runbookAnswers.push({ status: r.status, body: await r.text() });
    });
  });
  afterAll(async () => {
    callback?.server.close();
    webhook?.server.close();
    await az?.stop();
  });

  const context = async (ttlSeconds = 600, task = 'task-rb-1') => {
    const { token, claims } = await signCallbackToken({ vault: 'v1', plan: 'plan-web', job: 'job-1', task, instanceId: 'orch-1', eventName: `RunbookDone-${task}` }, KEY, { ttlSeconds });
    const ctx: RecoveryPlanContext = {
      ...buildRecoveryPlanContext({
        plan: 'plan-web', failoverType: 'TestFailover', failoverDirection: 'PrimaryToRecovery', groupId: 'Group2', subscriptionId: 'sub-1',
        machines: [{ item: 'item-db', resourceGroup: 'rg-dr', machineName: 'db-test', ips: ['10.1.0.5'], recoveryPointId: 'disk0-1-7', recoveryPointTime: '2026-11-22T01:00:00.000Z' }],
      }),
      callbackUrl: runbookCallbackUrl(callback.url, token), callbackExpiresAt: new Date(claims.expiresAt * 1000).toISOString(),
    };
    return { token, claims, ctx };
  };

  it('calls the webhook with the ASR-shaped context; the runbook calls back once and the event names the task', async () => {
    const { ctx, claims } = await context();
    const answer = await invokeRunbookWebhook(`${webhook.url}/webhooks?token=secret-webhook-token`, ctx, { timeoutMs: 5000 });
    expect(answer).toEqual({ status: 202, jobIds: ['job-aa-1'] });
    expect(received[0].context).toMatchObject({
      RecoveryPlanName: 'plan-web', FailoverType: 'Test', FailoverDirection: 'PrimaryToSecondary', GroupId: 'Group2',
      VmMap: { 'item-db': { RoleName: 'db-test', VmName: 'db-test', IPAddresses: ['10.1.0.5'], ResourceGroupName: 'rg-dr', RecoveryPointId: 'disk0-1-7' } },
    });
    expect(received[0].context.callbackUrl).toMatch(/\/api\/automation\/runbook-callback\?token=/);
    await waitFor(() => runbookAnswers.length === 1, { timeoutMs: 5_000, intervalMs: 20, describe: 'the runbook to answer once' });
    expect(runbookAnswers[0].status).toBe(202);
    expect(raised).toEqual([{ tokenId: claims.tokenId, task: 'task-rb-1', outcome: { status: 'Succeeded', output: 'started app tier on 10.1.0.5' }, receivedAt: expect.any(String) }]);

    // The same callback again (a runbook retry, or a replay by someone who saw the URL): refused.
    const again = await fetch(ctx.callbackUrl, { method: 'POST', body: JSON.stringify({ status: 'Failed' }) });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ code: 'CallbackTokenAlreadyUsed' });
    expect(raised).toHaveLength(1);
  });

  it('refuses an expired token, a tampered token and a token signed with another key', async () => {
    const expired = await signCallbackToken({ vault: 'v1', plan: 'p', job: 'j', task: 't', instanceId: 'i', eventName: 'e' }, KEY, { ttlSeconds: 60, now: new Date(Date.now() - 120_000) });
    await expect(verifyCallbackToken(expired.token, KEY, ledger)).rejects.toMatchObject({ code: 'CallbackTokenExpired' });

    const { token } = await context(600, 'task-tamper');
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, task: 'task-other' })).toString('base64url')}.${s}`;
    const r = await fetch(runbookCallbackUrl(callback.url, forged), { method: 'POST', body: JSON.stringify({ status: 'Succeeded' }) });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ code: 'CallbackTokenBadSignature' });
    await expect(verifyCallbackToken(token, Buffer.alloc(32, 8), ledger)).rejects.toMatchObject({ code: 'CallbackTokenBadSignature' });
    await expect(verifyCallbackToken('not-a-token', KEY, ledger)).rejects.toMatchObject({ code: 'CallbackTokenMalformed' });
    // None of the refusals spent the genuine token.
    await expect(verifyCallbackToken(token, KEY, ledger)).resolves.toMatchObject({ task: 'task-tamper' });
  });

  it('a wrong outcome body is refused without spending the token; the corrected body is accepted', async () => {
    const { ctx } = await context(600, 'task-body');
    const bad = await fetch(ctx.callbackUrl, { method: 'POST', body: JSON.stringify({ status: 'Done' }) });
    expect(bad.status).toBe(400);
    const good = await fetch(ctx.callbackUrl, { method: 'POST', body: JSON.stringify({ status: 'Failed', output: 'app tier did not answer' }) });
    expect(good.status).toBe(202);
    expect(raised[raised.length - 1]).toMatchObject({ task: 'task-body', outcome: { status: 'Failed', output: 'app tier did not answer' } });
  });

  it('of concurrent redemptions of one token exactly one wins (conditional create)', async () => {
    const { token } = await context(600, 'task-race');
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => verifyCallbackToken(token, KEY, ledger)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as ServiceError).code)).toEqual(Array(5).fill('CallbackTokenAlreadyUsed'));
  });

  it('startRunbookAction: a retried activity calls the webhook again but only one outcome is accepted for the task', async () => {
    const runbookId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa/runbooks/OpenFirewall';
    const settings: AutomationSettings = {
      signingKey: KEY, publicBaseUrl: callback.url, defaultRunbookTimeoutSeconds: 3600, tokenGraceSeconds: 60, webhookRequestTimeoutMs: 5000,
      webhooks: { [runbookId.toLowerCase()]: { webhookUrl: `${webhook.url}/webhooks?token=w` } },
    };
    const input = {
      vault: 'v1', plan: 'plan-web', job: 'job-2', task: 'task-rb-start', instanceId: 'orch-2', eventName: 'RunbookDone-task-rb-start',
      actionName: 'open-firewall', details: { instanceType: 'AutomationRunbookActionDetails' as const, runbookId, timeout: 'PT10M', fabricLocation: 'Recovery' as const },
      failoverType: 'PlannedFailover' as const, failoverDirection: 'PrimaryToRecovery' as const, groupId: 'Group1', subscriptionId: 'sub-1',
      machines: [], startedAt: new Date().toISOString(),
    };
    const before = received.length;
    const first = await startRunbookAction(input, { settings });
    const second = await startRunbookAction(input, { settings });
    expect(second.tokenId).toBe(first.tokenId);
    expect(first).toMatchObject({ policy: { timeoutSeconds: 600, onTimeout: 'Fail' }, deadline: new Date(Date.parse(input.startedAt) + 600_000).toISOString() });
    expect(first.taskDetails).toEqual({ instanceType: 'AutomationRunbookTaskDetails', name: 'open-firewall', runbookId: input.details.runbookId, runbookName: 'OpenFirewall', jobId: 'job-aa-1', jobOutput: '', isPrimarySideScript: false });
    expect(received.slice(before).map((r) => r.context.FailoverType)).toEqual(['Planned', 'Planned']);
    await waitFor(() => runbookAnswers.length >= 3, { timeoutMs: 5_000, intervalMs: 20, describe: () => `the runbook to answer 3 times (so far ${runbookAnswers.length})` });
    expect(runbookAnswers.slice(1).map((a) => a.status).sort()).toEqual([202, 409]);
    expect(raised.filter((e) => (e as { task: string }).task === 'task-rb-start')).toHaveLength(1);
  });

  it('a webhook that answers 503 or cannot be reached fails retryably, without leaking the webhook secret', async () => {
    const { ctx } = await context(600, 'task-down');
    const rejected = await invokeRunbookWebhook(`${webhook.url}/broken?token=secret-webhook-token`, ctx, { timeoutMs: 5000 }).catch((e: ServiceError) => e);
    expect(rejected).toMatchObject({ code: 'RunbookWebhookRejected', retryable: true, details: { status: 503 } });
    expect((rejected as Error).message).not.toContain('secret-webhook-token');
    const closed = await listen(() => undefined);
    closed.server.close();
    await once(closed.server, 'close');
    await expect(invokeRunbookWebhook(`${closed.url}/hook`, ctx, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'RunbookWebhookUnreachable', retryable: true });
    const silent = await listen(() => undefined); // accepts, never answers
    await expect(invokeRunbookWebhook(`${silent.url}/hook`, ctx, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'RunbookWebhookUnreachable' });
    silent.server.closeAllConnections();
    silent.server.close();
  });
});
