import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { entityInstanceId } from '../entities/EntityRequest';
import { RawHttpHandler } from '../../core/HostContext';
import { readBody, sendJson } from '../../http/HostHttpServer';
import { DurableErrorCode, DurableStoreError } from '../store/DurableStoreError';
import { RuntimeStatus } from '../store/RuntimeStatus';
import { InstanceQuery } from '../store/InstanceStore';
import { managementUrls } from './ClientInputData';
import { instanceStatus } from './InstanceStatus';
import { OrchestrationClient } from './OrchestrationClient';

/** The one place Durable error codes become HTTP status codes. */
const statusOf: Record<DurableErrorCode, number> = {
  InstanceNotFound: 404,
  OrchestratorNotFound: 404,
  InstanceFinished: 410,
  InstanceExists: 409,
  InstanceRunning: 409,
  EtagMismatch: 409,
  InstanceNotFailed: 412,
  InvalidRequest: 400,
  PayloadTooLarge: 413,
  NotSupported: 501,
};

const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];
const CONTINUATION = 'x-ms-continuation-token';

/**
 * The Durable client HTTP API, served under both the RPC base the library calls
 * (`/durabletask/`) and the public `/runtime/webhooks/durabletask/` (DEVHOST.md §4).
 */
export function durableHttpApi(client: OrchestrationClient, hub: string): RawHttpHandler {
  return async (req, res, url) => {
    const path = url.pathname.replace(/^\/(runtime\/webhooks\/)?durabletask\/?/i, '');
    const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      await route(method, parts, req, res, url);
    } catch (e) {
      if (e instanceof DurableStoreError) {
        sendJson(res, statusOf[e.code], { error: { code: e.code, message: e.message } });
        return;
      }
      throw e;
    }
  };

  async function route(method: string, parts: string[], req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const q = url.searchParams;
    const [head, a, b, c] = parts;
    const reason = q.get('reason') ?? '';
    if (head === 'orchestrators' && a && parts.length <= 3 && method === 'POST') {
      const r = await client.start({ name: a, instanceId: b, input: await jsonBody(req), version: q.get('version') ?? undefined });
      return checkStatusResponse(res, url, hub, r.instanceId);
    }
    if (head === 'instances' && !a && method === 'GET') {
      const page = await client.query(readQuery(q), Math.max(1, Number(q.get('top') ?? 100)), req.headers[CONTINUATION] as string | undefined);
      const body = page.instances.map((r) => instanceStatus(r, { showInput: q.get('showInput') !== 'false' }));
      sendJson(res, 200, body, page.continuationToken ? { [CONTINUATION]: page.continuationToken } : {});
      return;
    }
    if (head === 'instances' && !a && method === 'DELETE') {
      sendJson(res, 200, { instancesDeleted: await client.purgeWhere(readQuery(q)) });
      return;
    }
    if (head === 'instances' && a && !b && method === 'GET') {
      const r = await client.get(a);
      const showHistory = q.get('showHistory') === 'true';
      const body = instanceStatus(r, {
        showInput: q.get('showInput') !== 'false', showHistory, showHistoryOutput: q.get('showHistoryOutput') === 'true',
      }, showHistory ? await client.history(r) : undefined);
      const running = r.runtimeStatus === 'Pending' || r.runtimeStatus === 'Running' || r.runtimeStatus === 'Suspended' || r.runtimeStatus === 'ContinuedAsNew';
      const failed500 = r.runtimeStatus === 'Failed' && q.get('returnInternalServerErrorOnFailure') === 'true';
      // As the extension: while running, Location is the request's own URL and Retry-After 5 s.
      sendJson(res, running ? 202 : failed500 ? 500 : 200, body, running ? { location: url.toString(), 'retry-after': '5' } : {});
      return;
    }
    if (head === 'instances' && a && !b && method === 'DELETE') {
      sendJson(res, 200, { instancesDeleted: await client.purge(a) });
      return;
    }
    if (head === 'instances' && a && b === 'raiseEvent' && c && method === 'POST') {
      await client.raiseEvent(a, c, await jsonBody(req));
      return accepted(res);
    }
    if (head === 'instances' && a && b && !c && method === 'POST') {
      switch (b) {
        case 'terminate': await client.terminate(a, reason); return accepted(res);
        case 'suspend': await client.suspend(a, reason); return accepted(res);
        case 'resume': await client.resume(a, reason); return accepted(res);
        case 'rewind': await client.rewind(a); return accepted(res);
        case 'restart': {
          const old = await client.get(a);
          const fresh = q.get('restartWithNewInstanceId') !== 'false';
          const r = await client.start({ name: old.name, instanceId: fresh ? undefined : a, input: old.input, version: old.version });
          return checkStatusResponse(res, url, hub, r.instanceId);
        }
      }
    }
    if (head === 'entities' && a && b && !c && method === 'POST') {
      const op = q.get('op') ?? '';
      const text = (await readBody(req)).toString('utf8').trim();
      await client.signalEntity(entityInstanceId(a, b), { id: randomUUID(), op, signal: true, input: text === '' ? undefined : text });
      return accepted(res);
    }
    if (head === 'entities' && a && b && !c && method === 'GET') {
      const found = await client.readEntity(entityInstanceId(a, b));
      if (!found) throw new DurableStoreError('InstanceNotFound', `Entity @${a}@${b} does not exist.`);
      sendJson(res, 200, found.state);
      return;
    }
    sendJson(res, 404, { error: { code: 'NotFound', message: `No Durable API route for ${method} /${parts.join('/')}.` } });
  }
}

/**
 * The 202 "check status" answer of a start or restart, as the extension's
 * CreateCheckStatusResponse (v2.13.7): links on the authority the request came to (so a
 * caller of 127.0.0.1 gets 127.0.0.1 back), Location = the status URL, Retry-After 10 s,
 * and no rewind link in the body.
 */
function checkStatusResponse(res: ServerResponse, url: URL, hub: string, instanceId: string): void {
  const { rewindPostUri: _notInStartAnswer, ...links } = managementUrls(`${url.origin}/runtime/webhooks/durabletask`, hub, instanceId);
  sendJson(res, 202, links, { location: links.statusQueryGetUri, 'retry-after': '10' });
}

function accepted(res: ServerResponse): void {
  res.writeHead(202, { 'content-length': 0 });
  res.end();
}

/** A request body as JSON text ('null' when empty); malformed JSON is the caller's error. */
async function jsonBody(req: IncomingMessage): Promise<string> {
  const text = (await readBody(req)).toString('utf8').trim();
  if (text === '') return 'null';
  try { JSON.parse(text); } catch {
    throw new DurableStoreError('InvalidRequest', 'The request body is not valid JSON.');
  }
  return text;
}

function readQuery(q: URLSearchParams): InstanceQuery {
  const date = (name: string) => {
    const v = q.get(name);
    if (!v) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new DurableStoreError('InvalidRequest', `${name} "${v}" is not a date; use ISO 8601.`);
    return d;
  };
  const statuses = (q.get('runtimeStatus') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of statuses) {
    if (!RUNTIME_STATUSES.includes(s as RuntimeStatus)) throw new DurableStoreError('InvalidRequest', `runtimeStatus "${s}" is not one of ${RUNTIME_STATUSES.join(', ')}.`);
  }
  return {
    createdTimeFrom: date('createdTimeFrom'), createdTimeTo: date('createdTimeTo'),
    runtimeStatus: statuses as RuntimeStatus[], instanceIdPrefix: q.get('instanceIdPrefix') ?? undefined,
  };
}
