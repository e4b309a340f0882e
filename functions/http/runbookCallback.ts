import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { acceptRunbookCallback, automationSettingsFromEnv, BlobUsedTokenLedger, RUNBOOK_CALLBACK_ROUTE, USED_TOKEN_CONTAINER } from '../../shared/automation';
import { readBodyText, toArmErrorResponse } from '../../shared/arm';
import { ServiceError } from '../../shared/errors';
import { replicationDepsFromEnv } from '../../shared/replication';

/**
 * A runbook reports its outcome: the single-use signed token in the query names the job, the
 * task and the orchestration; the outcome becomes the event the orchestration waits for.
 */
export async function runbookCallbackHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const token = request.query.get('token') ?? '';
    let body: unknown;
    try {
      body = JSON.parse((await readBodyText(request.body, request.headers.get('content-length') ?? undefined)) || '{}');
    } catch (err) {
      if (err instanceof ServiceError) throw err;
      throw new ServiceError('InvalidJson', 'the callback body is not JSON: send {"status":"Succeeded"|"Failed","output"?:string}', { cause: err });
    }
    const settings = automationSettingsFromEnv();
    const deps = await replicationDepsFromEnv();
    const ledger = new BlobUsedTokenLedger(deps.blobs.getContainerClient(USED_TOKEN_CONTAINER));
    const { claims, event } = await acceptRunbookCallback(token, body, { key: settings.signingKey, ledger });
    const client = df.getClient(context);
    const status = await client.getStatus(claims.instanceId).catch(() => undefined);
    if (!status || ['Completed', 'Failed', 'Terminated'].includes(String(status.runtimeStatus))) {
      return { status: 410, jsonBody: { error: { code: 'JobEnded', message: `job ${claims.job} has ended; the outcome was not needed` } } };
    }
    await client.raiseEvent(claims.instanceId, claims.eventName, event);
    return { status: 202, jsonBody: { job: claims.job, task: claims.task, accepted: event.outcome.status } };
  } catch (err) {
    // Statuses from the one catalogue (401 bad token, 409 spent, 400 bad body, 413 too big).
    const out = toArmErrorResponse(err);
    if (out.status >= 500) context.error('runbook callback failed', err);
    return { status: out.status, headers: out.headers, jsonBody: out.body };
  }
}

app.http('runbookCallback', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `api/${RUNBOOK_CALLBACK_ROUTE}`,
  extraInputs: [df.input.durableClient()],
  handler: runbookCallbackHandler,
});
