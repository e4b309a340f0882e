import { createServer, type IncomingMessage, type Server } from 'node:http';

/** What the runbook was told (ASR's recovery plan context) and what it answered. */
export interface RunbookCall {
  groupId: string;
  failoverType: string;
  machines: { item: string; vmName: string; ips: string[] }[];
  receivedAt: number;
  /** The callback endpoint's status, once the runbook called back. */
  callbackStatus?: number;
  calledBackAt?: number;
}

/** A stand-in for an Azure Automation runbook behind a webhook, served by the demo on loopback. */
export interface RunbookWebhook {
  url: string;
  calls: RunbookCall[];
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Answers the service's webhook call as Automation does (202 with a job id), then does the
 * runbook's work - here: write down the machines it was told about - and reports the outcome
 * to the `callbackUrl` from the context, exactly as docs/runbooks.md asks a real runbook to.
 */
export async function startRunbookWebhook(onEvent: (line: string) => void): Promise<RunbookWebhook> {
  const calls: RunbookCall[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (text) => {
      let ctx: Record<string, any>;
      try {
        ctx = JSON.parse(text) as Record<string, any>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const machines = Object.entries((ctx.VmMap ?? {}) as Record<string, { VmName: string; IPAddresses?: string[] }>)
        .map(([item, vm]) => ({ item: item.split('/').pop()!, vmName: vm.VmName, ips: vm.IPAddresses ?? [] }));
      const call: RunbookCall = { groupId: String(ctx.GroupId), failoverType: String(ctx.FailoverType), machines, receivedAt: Date.now() };
      calls.push(call);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ JobIds: [`demo-runbook-job-${calls.length}`] }));
      onEvent(`runbook webhook called for ${call.groupId} (${call.failoverType} failover); machines up so far: ` +
        (machines.map((m) => `${m.vmName}${m.ips.length ? ` at ${m.ips.join(', ')}` : ''}`).join('; ') || 'none'));
      const output = `pointed the app tier at ${machines.map((m) => m.vmName).join(', ') || 'nothing'}`;
      try {
        const cb = await fetch(String(ctx.callbackUrl), {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'Succeeded', output }),
        });
        call.callbackStatus = cb.status;
        call.calledBackAt = Date.now();
        onEvent(`runbook called back: Succeeded ("${output}"), service answered ${cb.status}`);
      } catch (err) {
        onEvent(`runbook could not call back: ${(err as Error).message}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/webhooks/configure-app-tier`,
    calls,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
