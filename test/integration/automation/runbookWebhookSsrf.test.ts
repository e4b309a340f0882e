import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  invokeRunbookWebhook, startRunbookAction, type AutomationSettings, type RecoveryPlanContext, type StartRunbookActionInput,
} from '../../../shared/automation';
import type { ServiceError } from '../../../shared/errors';
import { WebhookRunbookStarter } from '../../../shared/automation/WebhookRunbookStarter';

/** A loopback server that records every request it gets (the "internal" service an attacker aims at). */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => { hits.push(req.url ?? ''); handler(req, res); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const SECRET = 'INTERNAL-METADATA-SECRET-0123456789';
const context: Omit<RecoveryPlanContext, 'callbackUrl' | 'callbackExpiresAt'> = {
  RecoveryPlanName: 'plan', FailoverType: 'Test', FailoverDirection: 'PrimaryToSecondary', GroupId: 'Group1', VmMap: {},
};

describe('runbook webhooks: no SSRF, no read-back (real HTTP on loopback)', () => {
  let internal: Awaited<ReturnType<typeof listen>>;
  let redirector: Awaited<ReturnType<typeof listen>>;
  let failing: Awaited<ReturnType<typeof listen>>;
  let settings: AutomationSettings;

  beforeAll(async () => {
    internal = await listen((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET); });
    redirector = await listen((_req, res) => { res.writeHead(307, { location: `${internal.url}/latest/meta-data?sig=leak` }).end(); });
    failing = await listen((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET); });
    settings = {
      signingKey: Buffer.alloc(32, 3), publicBaseUrl: 'http://127.0.0.1:1', defaultRunbookTimeoutSeconds: 3600, tokenGraceSeconds: 60, webhookRequestTimeoutMs: 5000,
      webhooks: {
        '/runbooks/redirecting': { webhookUrl: `${redirector.url}/webhooks?token=hook-secret` },
        '/runbooks/failing': { webhookUrl: `${failing.url}/webhooks?token=hook-secret` },
      },
    } as AutomationSettings;
  });
  afterAll(() => { for (const s of [internal, redirector, failing]) s?.server.close(); });
  beforeEach(() => { for (const s of [internal, redirector, failing]) s.hits.length = 0; });

  const request = (runbookId: string) => ({
    vaultKey: 'sub/rg/v', planName: 'plan', jobId: 'job-1', taskId: 'task-1', instanceId: 'orch-1', eventName: 'RunbookDone-task-1',
    runbookId, ttlSeconds: 600, context,
  });

  it('a runbook id that is a URL is not a webhook: nothing is called, the error names the missing setting', async () => {
    const starter = new WebhookRunbookStarter(settings);
    const err = await starter.start(request(`${internal.url}/latest/meta-data`)).catch((e: ServiceError) => e);
    expect(err).toMatchObject({ code: 'RunbookWebhookMissing' });
    expect((err as Error).message).toContain('ASR_RUNBOOK_WEBHOOKS');
    expect(internal.hits).toEqual([]);
    // A URL-shaped id (a plan stored before ids were validated) is not repeated: its query may be a secret.
    const leaky = await starter.start(request(`${internal.url}/hook?sig=SECRET-SIG`)).catch((e: ServiceError) => e);
    expect((leaky as Error).message).not.toContain('SECRET-SIG');
    expect(internal.hits).toEqual([]);
  });

  it('a webhookUrl on the action is ignored: only configured webhooks are called (startRunbookAction too)', async () => {
    const details = {
      instanceType: 'AutomationRunbookActionDetails', runbookId: '/runbooks/unconfigured', fabricLocation: 'Recovery', webhookUrl: `${internal.url}/x`,
    } as unknown as StartRunbookActionInput['details'];
    const input: StartRunbookActionInput = {
      vault: 'v', plan: 'plan', job: 'job-2', task: 'task-2', instanceId: 'orch-2', eventName: 'RunbookDone-task-2',
      actionName: 'a', details, failoverType: 'TestFailover', failoverDirection: 'PrimaryToRecovery', groupId: 'Group1', subscriptionId: 'sub',
      machines: [], startedAt: new Date().toISOString(),
    };
    await expect(startRunbookAction(input, { settings })).rejects.toMatchObject({ code: 'RunbookWebhookMissing' });
    expect(internal.hits).toEqual([]);
  });

  it('a configured webhook that redirects is refused without following the redirect', async () => {
    const err = await new WebhookRunbookStarter(settings).start(request('/runbooks/redirecting')).catch((e: ServiceError) => e);
    expect(err).toMatchObject({ code: 'RunbookWebhookRejected', retryable: false, details: { status: 307 } });
    expect((err as Error).message).toMatch(/redirect/);
    expect((err as Error).message).not.toMatch(/hook-secret|sig=leak|meta-data/);
    expect(redirector.hits).toHaveLength(1);
    expect(internal.hits).toEqual([]);
  });

  it('a failing webhook\'s answer is never echoed: the error gives status and size only', async () => {
    const err = await new WebhookRunbookStarter(settings).start(request('/runbooks/failing')).catch((e: ServiceError) => e);
    expect(err).toMatchObject({ code: 'RunbookWebhookRejected', retryable: true, details: { status: 500 } });
    expect((err as Error).message).not.toContain(SECRET.slice(0, 12));
    expect((err as Error).message).not.toContain('hook-secret');
    expect((err as Error).message).toContain(`${SECRET.length} bytes`);
    // The low-level call keeps the same promise.
    const direct = await invokeRunbookWebhook(`${failing.url}/w`, { ...context, callbackUrl: 'http://x', callbackExpiresAt: '' }, { timeoutMs: 5000 }).catch((e: ServiceError) => e);
    expect((direct as Error).message).not.toContain(SECRET.slice(0, 12));
  });
});
